//! Files sent with a reply. Iron's page lists `POST /conversations/media` ("Upload
//! media for an outbound message") and nothing more: the upload's form, its answer
//! and how the message then names the media are unpublished. ASSUMED here:
//!
//! - the upload is `multipart/form-data` with the file in a field `file` (its name
//!   and a content type guessed from the extension);
//! - the answer carries an id (`id` or `media_id`) and/or a URL (`url` or
//!   `media_url`), bare, in a one-element list, or under `data` or `media`;
//! - the message then goes out as `{ "body", "media_ids"?, "media_urls"? }` with
//!   whatever the uploads gave.
//!
//! Files are read when the reply goes out (not when it is queued), all checked
//! before the first upload so a bad second file does not leave the first one on
//! the server. A retry of the whole send uploads again: an orphan copy of a file
//! on Iron's side is harmless, a reply without its file is not.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

use super::{CrmProvider, Payload, permanent};
use frontdesk_domain::{Attachment, ConversationId, Message};
use frontdesk_provider::{ProviderError, ProviderResult};

/// The largest file sent. Iron publishes no limit, and the whole file is held in
/// memory until it is uploaded (and kept for a retry after a 401): 20 MB is above
/// what MMS and most mail servers carry, and a bounded cost for this process.
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

/// An upload of this size may take far longer than an ordinary request.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);

/// Content types by extension (lower case); anything else goes as
/// `application/octet-stream` and is left to Iron to judge.
const CONTENT_TYPES: [(&str, &str); 21] = [
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("heic", "image/heic"),
    ("pdf", "application/pdf"),
    ("txt", "text/plain"),
    ("csv", "text/csv"),
    ("vcf", "text/vcard"),
    ("ics", "text/calendar"),
    ("mp4", "video/mp4"),
    ("mov", "video/quicktime"),
    ("mp3", "audio/mpeg"),
    ("m4a", "audio/mp4"),
    ("wav", "audio/wav"),
    ("zip", "application/zip"),
    ("doc", "application/msword"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xls", "application/vnd.ms-excel"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
];

const OCTET_STREAM: &str = "application/octet-stream";

pub fn content_type(path: &Path) -> &'static str {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    ext.and_then(|ext| CONTENT_TYPES.iter().find(|(e, _)| *e == ext).map(|(_, t)| *t)).unwrap_or(OCTET_STREAM)
}

fn refused(path: &Path, why: impl std::fmt::Display) -> ProviderError {
    permanent("ATTACHMENT", format!("cannot attach {}: {why}", path.display()))
}

/// A file there to be sent and within the cap, by its size.
async fn check(path: &Path) -> ProviderResult<u64> {
    let meta = tokio::fs::metadata(path).await.map_err(|e| refused(path, e))?;
    if meta.is_dir() {
        return Err(refused(path, "it is a folder"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(path));
    }
    Ok(meta.len())
}

fn too_large(path: &Path) -> ProviderError {
    refused(path, format!("it is larger than {} MB", MAX_FILE_BYTES / (1024 * 1024)))
}

/// A file read for upload.
pub struct Upload {
    name: String,
    content_type: &'static str,
    /// Shared, not copied, by each try's form.
    data: Bytes,
}

impl Upload {
    /// Reads `path`, refusing it (as `Permanent`, naming it) when it is not a
    /// readable file within the cap, even if it grew since it was checked.
    pub async fn read(path: &Path) -> ProviderResult<Self> {
        let size = check(path).await?;
        let file = tokio::fs::File::open(path).await.map_err(|e| refused(path, e))?;
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        file.take(MAX_FILE_BYTES + 1).read_to_end(&mut data).await.map_err(|e| refused(path, e))?;
        if data.len() as u64 > MAX_FILE_BYTES {
            return Err(too_large(path));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "attachment".to_owned());
        Ok(Self { name, content_type: content_type(path), data: Bytes::from(data) })
    }

    /// The `multipart/form-data` body, built anew for each try (a form is spent
    /// by sending it).
    pub fn form(&self) -> ProviderResult<Form> {
        let part = Part::stream_with_length(self.data.clone(), self.data.len() as u64)
            .file_name(self.name.clone())
            .mime_str(self.content_type)
            .map_err(|e| ProviderError::Malformed(format!("content type {}: {e}", self.content_type)))?;
        Ok(Form::new().part("file", part))
    }

    fn attachment(&self, url: Option<String>) -> Attachment {
        Attachment {
            name: self.name.clone(),
            content_type: self.content_type.to_owned(),
            size: self.data.len() as u64,
            url,
        }
    }
}

/// What an upload gave: an id, a URL, or both.
#[derive(Debug, PartialEq, Eq)]
pub struct Media {
    pub id: Option<String>,
    pub url: Option<String>,
}

/// The upload's answer, read tolerantly (see the module's assumptions).
pub fn read_media(v: Value) -> ProviderResult<Media> {
    let v = match v {
        Value::Array(mut rows) if !rows.is_empty() => rows.swap_remove(0),
        other => other,
    };
    let v = super::wire::unwrap_object(super::wire::unwrap_object(v, "media"), "media");
    let text = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| match v.get(*k)? {
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
    };
    let media = Media { id: text(&["id", "media_id"]), url: text(&["url", "media_url"]) };
    if media.id.is_none() && media.url.is_none() {
        return Err(ProviderError::Malformed("Iron answered a media upload without an id or a URL".into()));
    }
    Ok(media)
}

impl CrmProvider {
    async fn upload(&self, file: &Upload) -> ProviderResult<Media> {
        let v = self.request(Method::POST, "/conversations/media", &[], Payload::File(file)).await?;
        read_media(v)
    }

    /// A reply with files: each checked, then each read and uploaded, then the
    /// message naming them.
    pub(super) async fn send_with_media(
        &self,
        id: &ConversationId,
        body: &str,
        paths: &[std::path::PathBuf],
    ) -> ProviderResult<Message> {
        for path in paths {
            check(path).await?;
        }
        let mut ids = Vec::new();
        let mut urls = Vec::new();
        let mut attachments = Vec::new();
        for path in paths {
            // One file in memory at a time.
            let file = Upload::read(path).await?;
            let media = self.upload(&file).await?;
            attachments.push(file.attachment(media.url.clone()));
            ids.extend(media.id);
            urls.extend(media.url);
        }
        let mut request = json!({ "body": body });
        if !ids.is_empty() {
            request["media_ids"] = json!(ids);
        }
        if !urls.is_empty() {
            request["media_urls"] = json!(urls);
        }
        let v = self.call(Method::POST, &Self::conv_path(id, "/messages"), &[], Some(&request)).await?;
        let mut sent = self.message_answer(id, v, Some(body)).await?;
        // The timeline's rows say nothing of media (unpublished): what was sent is known here.
        if sent.attachments.is_empty() {
            sent.attachments = attachments;
        }
        Ok(sent)
    }
}
