-- frontdesk reference server: the first schema.
-- Times are INTEGER unix milliseconds (UTC); JSON columns hold arrays/objects as text.

CREATE TABLE orgs (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    first_response_secs INTEGER NOT NULL DEFAULT 3600,
    created_at          INTEGER NOT NULL
);

CREATE TABLE agents (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL,
    role       TEXT NOT NULL,
    team       TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, email)
);

CREATE TABLE api_keys (
    hash       TEXT PRIMARY KEY,          -- sha256 of the key, hex; the key itself is never stored
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    agent_id   TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    label      TEXT NOT NULL,
    prefix     TEXT NOT NULL,             -- the first characters, to tell keys apart in listings
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE contacts (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    handle     TEXT NOT NULL,
    email      TEXT,
    phone      TEXT,
    company    TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, handle)
);

CREATE TABLE conversations (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    contact_id         TEXT NOT NULL REFERENCES contacts(id),
    channel            TEXT NOT NULL,
    subject            TEXT,
    status             TEXT NOT NULL,
    snoozed_until      INTEGER,
    assignee_id        TEXT REFERENCES agents(id) ON DELETE SET NULL,
    team               TEXT,
    tags               TEXT NOT NULL DEFAULT '[]',
    starred            INTEGER NOT NULL DEFAULT 0,
    unread             INTEGER NOT NULL DEFAULT 0,
    archived           INTEGER NOT NULL DEFAULT 0,
    priority           TEXT NOT NULL DEFAULT 'normal',
    last_preview       TEXT,
    last_direction     TEXT,
    last_message_at    INTEGER,
    waiting_since      INTEGER,
    sla_due_at         INTEGER,
    ai_state           TEXT NOT NULL DEFAULT 'human',
    ai_agent           TEXT,
    pending_suggestion INTEGER NOT NULL DEFAULT 0,
    message_count      INTEGER NOT NULL DEFAULT 0,
    activity_at        INTEGER NOT NULL,  -- the list's sort key: the last message, or creation
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX conversations_list ON conversations (org_id, archived, activity_at DESC, id DESC);
CREATE INDEX conversations_updated ON conversations (org_id, updated_at);
CREATE INDEX conversations_contact ON conversations (contact_id, channel, status);
CREATE INDEX conversations_assignee ON conversations (org_id, assignee_id, activity_at DESC);
CREATE INDEX conversations_sla ON conversations (sla_due_at) WHERE sla_due_at IS NOT NULL;
CREATE INDEX conversations_snooze ON conversations (snoozed_until) WHERE snoozed_until IS NOT NULL;

CREATE TABLE messages (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    id                  TEXT NOT NULL UNIQUE,
    org_id              TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    conversation_id     TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    direction           TEXT NOT NULL,
    author_kind         TEXT NOT NULL,
    author_id           TEXT,
    author_name         TEXT NOT NULL,
    kind                TEXT NOT NULL,
    body                TEXT NOT NULL,
    attachments         TEXT NOT NULL DEFAULT '[]',
    call                TEXT,
    delivery            TEXT NOT NULL,
    provider_message_id TEXT,
    created_at          INTEGER NOT NULL
);
CREATE INDEX messages_thread ON messages (conversation_id, seq);
CREATE UNIQUE INDEX messages_provider_id ON messages (org_id, provider_message_id)
    WHERE provider_message_id IS NOT NULL;

-- Full-text search over subject, contact and message bodies; kept by triggers so no
-- write path can forget it.
CREATE VIRTUAL TABLE search USING fts5 (
    conversation_id UNINDEXED,
    org_id UNINDEXED,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER search_conversation AFTER INSERT ON conversations BEGIN
    INSERT INTO search (conversation_id, org_id, body)
    SELECT NEW.id, NEW.org_id, coalesce(NEW.subject, '') || ' ' || ct.name || ' ' || ct.handle
           || ' ' || coalesce(ct.email, '') || ' ' || coalesce(ct.company, '')
    FROM contacts ct WHERE ct.id = NEW.contact_id;
END;
CREATE TRIGGER search_message AFTER INSERT ON messages WHEN NEW.kind IN ('reply', 'note', 'call') BEGIN
    INSERT INTO search (conversation_id, org_id, body)
    VALUES (NEW.conversation_id, NEW.org_id, NEW.body || ' ' || coalesce(json_extract(NEW.call, '$.summary'), ''));
END;

CREATE TABLE suggestions (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    body            TEXT NOT NULL,
    actions         TEXT NOT NULL DEFAULT '[]',
    status          TEXT NOT NULL,
    engine          TEXT NOT NULL,
    sources         TEXT NOT NULL DEFAULT '[]',
    created_at      INTEGER NOT NULL,
    resolved_at     INTEGER
);
CREATE INDEX suggestions_conversation ON suggestions (conversation_id, status);
CREATE INDEX suggestions_pending ON suggestions (org_id, status);

-- What the agent sent while a suggestion was pending: material to train a model on.
CREATE TABLE training_pairs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id          TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    suggestion_id   TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    agent_id        TEXT,
    draft           TEXT NOT NULL,
    sent            TEXT NOT NULL,
    edited          INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);

CREATE TABLE saved_views (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    filter     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- The durable event log behind the SSE stream: ids are strictly increasing and never
-- reused (AUTOINCREMENT), so Last-Event-ID resumes across restarts.
CREATE TABLE events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    conversation_id TEXT,
    payload         TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX events_org ON events (org_id, id);

CREATE TABLE idempotency_keys (
    org_id       TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    response     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (org_id, key)
);

-- Small server-wide facts, e.g. the highest event id pruned.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
