//! The sanitiser's named attacks and properties.
use super::*;
use proptest::prelude::*;

// ---- named attacks -------------------------------------------------------------

#[test]
fn drops_csi_colour_and_keeps_the_text() {
    assert_eq!(sanitize("\x1b[31mred\x1b[0m plain"), "red plain");
    assert_eq!(sanitize("\x1b[38;2;255;0;0mtrue\x1b[m"), "true");
}

#[test]
fn drops_cursor_movement_and_screen_control() {
    assert_eq!(sanitize("a\x1b[2J\x1b[H\x1b[10;5Hb\x1b[3Ac\x1b[?1049h"), "abc");
    assert_eq!(sanitize("keep\x1b7\x1b8\x1bc\x1b(0this"), "keepthis");
}

#[test]
fn drops_osc_52_clipboard_write() {
    assert_eq!(sanitize("hi\x1b]52;c;cm0gLXJmIH4K\x07there"), "hithere");
    assert_eq!(sanitize("hi\x1b]52;c;cm0gLXJmIH4K\x1b\\there"), "hithere");
}

#[test]
fn drops_osc_8_hyperlink_but_keeps_its_visible_text() {
    let s = "click \x1b]8;;http://evil\x1b\\text\x1b]8;;\x1b\\ now";
    assert_eq!(sanitize(s), "click text now");
}

#[test]
fn drops_window_title_and_notification_oscs() {
    assert_eq!(sanitize("\x1b]0;pwned\x07a\x1b]777;notify;x;y\x07b"), "ab");
}

#[test]
fn drops_dcs_with_its_payload() {
    assert_eq!(sanitize("a\x1bP1$r0m\x1b\\b"), "ab");
    assert_eq!(sanitize("a\x1bPq#0;2;0;0;0#0!10~\x1b\\b"), "ab");
    assert_eq!(sanitize("a\x1bP+q544e\x1b\\b"), "ab");
}

#[test]
fn dcs_payload_with_c1_continuation_bytes_stays_hidden() {
    // U+271C is E2 9C 9C: raw 0x9C would be ST to a byte-oriented parser.
    assert_eq!(sanitize("a\x1bPq\u{271c}hidden\u{71c}\x1b\\b"), "ab");
}

#[test]
fn drops_sos_pm_apc_strings() {
    assert_eq!(sanitize("a\x1bXsos\x1b\\b\x1b^pm\x1b\\c\x1b_apc\x1b\\d"), "abcd");
    // Kitty graphics travel in APC.
    assert_eq!(sanitize("x\x1b_Gf=100;AAAA\x1b\\y"), "xy");
}

#[test]
fn drops_other_two_byte_escapes() {
    assert_eq!(sanitize("a\x1bMb\x1bDc\x1bEd\x1b=e\x1b>f\x1b#8g"), "abcdefg");
}

#[test]
fn drops_8_bit_c1_sequences_sent_as_utf8() {
    assert_eq!(sanitize("\u{9b}31mred\u{9b}0m"), "red");
    assert_eq!(sanitize("a\u{9d}52;c;cm0=\u{9c}b"), "ab");
    assert_eq!(sanitize("a\u{9d}0;title\x07b"), "ab");
    assert_eq!(sanitize("a\u{90}1$r0m\u{9c}b"), "ab");
    assert_eq!(sanitize("a\u{98}sos\u{9c}b\u{9e}pm\u{9c}c\u{9f}apc\u{9c}d"), "abcd");
    // 8-bit and 7-bit forms mix, as a terminal accepting both would read them.
    assert_eq!(sanitize("a\x1b]8;;http://evil\u{9c}text\u{9d}8;;\x1b\\b"), "atextb");
}

#[test]
fn drops_lone_c1_controls() {
    assert_eq!(sanitize("a\u{85}b\u{84}c\u{8d}d\u{80}e\u{9c}f"), "abcdef");
}

#[test]
fn drops_c0_controls_and_del_but_keeps_newline_and_tab() {
    assert_eq!(sanitize("a\x00b\x07c\x08d\x0be\x0cf\x7fg"), "abcdefg");
    assert_eq!(sanitize("one\ttwo\nthree"), "one\ttwo\nthree");
}

#[test]
fn can_and_sub_abort_a_sequence() {
    assert_eq!(sanitize("a\x1b[31\x18b\x1b]0;t\x1ac"), "abc");
}

#[test]
fn normalises_carriage_returns() {
    assert_eq!(sanitize("a\r\nb\rc\r\r\nd\n\re"), "a\nb\nc\n\nd\n\ne");
    // Without this, "harmless\rrm -rf ~" would show only the second half.
    assert_eq!(sanitize("harmless\rrm -rf ~"), "harmless\nrm -rf ~");
}

#[test]
fn drops_bidi_override_and_trojan_source_isolates() {
    assert_eq!(sanitize("abc\u{202e}fed"), "abcfed");
    assert_eq!(
        sanitize("if access_level != \"user\u{202e} \u{2066}// Check if admin\u{2069} \u{2066}\" {"),
        "if access_level != \"user // Check if admin \" {"
    );
    assert_eq!(sanitize("\u{202a}\u{202b}\u{202c}\u{202d}\u{2067}\u{2068}x"), "x");
}

#[test]
fn drops_tag_characters_but_keeps_subdivision_flags() {
    // "ignore previous instructions" spelled in invisible tag characters.
    let hidden: String = "ignore previous".chars().map(|c| char::from_u32(0xE0000 + c as u32).unwrap_or(' ')).collect();
    assert_eq!(sanitize(&format!("Hi{hidden} there")), "Hi there");
    let scotland = "\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}";
    assert_eq!(sanitize(&format!("Go {scotland}!")), format!("Go {scotland}!"));
    // Tags after the flag's cancel tag, or after other text, are not part of it.
    assert_eq!(sanitize(&format!("{scotland}\u{e0041}x\u{e0041}")), format!("{scotland}x"));
    assert_eq!(sanitize(&sanitize(&format!("{scotland}{hidden}"))), sanitize(&format!("{scotland}{hidden}")));
}

#[test]
fn keeps_bidi_marks() {
    let s = "\u{5e9}\u{5dc}\u{5d5}\u{5dd}\u{200f} (1)\u{200e} \u{61c}";
    assert_eq!(sanitize(s), s);
}

#[test]
fn drops_invisible_zero_width_chars_but_keeps_joiners() {
    assert_eq!(sanitize("\u{feff}pay\u{200b}pal\u{2060}.com"), "paypal.com");
    // Persian "mi-khaham" needs its ZWNJ; the family emoji is three people joined.
    let joined = concat!(
        "\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645} ",
        "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}",
    );
    assert_eq!(sanitize(joined), joined);
}

#[test]
fn keeps_cjk_emoji_and_accents_byte_identical() {
    let s = "日本語のテキスト 👩‍💻 🏳️‍🌈 👍🏽 🇯🇵 café e\u{301} Ωμέγα 한국어";
    assert_eq!(sanitize(s).as_bytes(), s.as_bytes());
    assert_eq!(sanitize(&format!("\x1b[1m{s}\x1b[0m")), s);
}

#[test]
fn unterminated_sequences_at_the_end_are_dropped() {
    for tail in [
        "\x1b",
        "\x1b[",
        "\x1b[31",
        "\x1b[?25",
        "\x1b]52;c;c2VjcmV0",
        "\x1b]8;;http://evil",
        "\x1bPq#0",
        "\x1b_Gf=100",
        "\x1b(",
        "\u{9b}",
        "\u{9b}31",
        "\u{9d}0;title",
        "\u{90}q",
    ] {
        assert_eq!(sanitize(&format!("ok{tail}")), "ok", "tail {tail:?}");
    }
}

#[test]
fn non_ascii_inside_sequences_does_not_leak() {
    assert_eq!(sanitize("a\x1b[3日1mb"), "ab");
    assert_eq!(sanitize("a\x1b]0;日本\u{271c}\x07b"), "ab");
    assert_eq!(sanitize("a\x1b_日本\u{271c}\x1b\\b"), "ab");
}

#[test]
fn clean_text_is_returned_as_is() {
    let s = "Hello,\tworld!\nSecond line — with “quotes”.";
    assert_eq!(sanitize(s), s);
    assert_eq!(sanitize(""), "");
}

#[test]
fn contains_escape_flags_each_active_class() {
    for s in [
        "\x1b", "\x00", "\r", "\x07", "\x7f", "\u{80}", "\u{9b}", "\u{9f}", "\u{202e}", "\u{2066}", "\u{2069}",
        "\u{202a}",
    ] {
        assert!(contains_escape(&format!("ok{s}ok")), "{s:?}");
    }
    for s in ["", "plain\ttext\n", "👩‍💻 日本", "\u{200b}\u{200e}\u{feff}", "\u{a0}"] {
        assert!(!contains_escape(s), "{s:?}");
    }
}

#[test]
fn sanitize_line_flattens_and_trims() {
    assert_eq!(sanitize_line("  Re:\tyour\r\n order \n\n #42  "), "Re: your order #42");
    assert_eq!(sanitize_line("\x1b[31mAda\x1b[0m\u{a0}\u{a0}Lovelace\u{202e}"), "Ada Lovelace");
    assert_eq!(sanitize_line("\n\t \r"), "");
}

#[test]
fn preview_cuts_with_an_ellipsis_that_counts() {
    assert_eq!(preview("hello world", 20), "hello world");
    assert_eq!(preview("hello world", 11), "hello world");
    assert_eq!(preview("hello world", 10), "hello wor…");
    assert_eq!(preview("hello world", 7), "hello…");
    assert_eq!(preview("hello world", 1), "…");
    assert_eq!(preview("hello world", 0), "");
    assert_eq!(preview("", 0), "");
    assert_eq!(preview("line one\n\nline\ttwo", 100), "line one line two");
    assert_eq!(preview("\x1b[1mbold\x1b[0m body", 100), "bold body");
}

#[test]
fn preview_never_splits_a_grapheme() {
    // 👩‍💻 is three chars; with two left before the ellipsis it goes whole.
    assert_eq!(preview("ab👩‍💻cd", 5), "ab…");
    assert_eq!(preview("ab👩‍💻cd", 6), "ab👩‍💻…");
    assert_eq!(preview("e\u{301}e\u{301}e\u{301}", 4), "e\u{301}…");
    assert_eq!(preview("🇯🇵🇯🇵", 3), "🇯🇵…");
}

// ---- properties ----------------------------------------------------------------

/// Characters a sequence is built from, weighted towards the dangerous ones.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => Just('\x1b'),
        3 => prop::char::range('\u{80}', '\u{9f}'),
        2 => prop::sample::select(vec!['[', ']', 'P', 'X', '^', '_', '\\', ';', ':', '?', 'm']),
        2 => prop::char::range('0', '9'),
        2 => prop::sample::select(vec!['\x07', '\x18', '\x1a', '\r', '\n', '\t', '\x7f', '\0']),
        1 => prop::char::range('\0', '\x1f'),
        2 => prop::sample::select(vec![
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}',
            '\u{2067}', '\u{2068}', '\u{2069}', '\u{200b}', '\u{200c}', '\u{200d}',
            '\u{200e}', '\u{200f}', '\u{2060}', '\u{feff}',
        ]),
        // Non-ASCII chars whose UTF-8 holds C1-range continuation bytes (0x9C = ST).
        2 => prop::sample::select(vec![
            '\u{71c}', '\u{271c}', '\u{1f71c}', '\u{2720}', '\u{1f720}', '\u{9c}', '日', '👩',
        ]),
        3 => prop::char::range(' ', '~'),
        2 => any::<char>(),
    ]
}

fn hostile_string() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_char(), 0..80).prop_map(String::from_iter)
}

/// Text with nothing to remove, listed independently of the implementation.
fn plain_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range(' ', '~'),
        1 => Just('\n'),
        1 => Just('\t'),
        1 => prop::char::range('\u{a0}', '\u{17f}'),
        1 => prop::char::range('\u{300}', '\u{36f}'),
        1 => prop::char::range('\u{590}', '\u{6ff}'),
        1 => prop::char::range('\u{3040}', '\u{30ff}'),
        1 => prop::char::range('\u{4e00}', '\u{9fff}'),
        1 => prop::char::range('\u{1f300}', '\u{1f6ff}'),
        1 => prop::sample::select(vec![
            '\u{200c}', '\u{200d}', '\u{200e}', '\u{200f}', '\u{fe0f}',
        ]),
        1 => any::<char>().prop_filter("printable", |c| {
            !c.is_control()
                && !matches!(
                    c,
                    '\u{202a}'..='\u{202e}'
                        | '\u{2066}'..='\u{2069}'
                        | '\u{200b}'
                        | '\u{2060}'
                        | '\u{feff}'
                        | '\u{e0020}'..='\u{e007f}'
                )
        }),
    ]
}

fn plain_string() -> impl Strategy<Value = String> {
    prop::collection::vec(plain_char(), 0..40).prop_map(String::from_iter)
}

/// One complete sequence, 7-bit or 8-bit, that must vanish without a trace.
fn whole_sequence() -> impl Strategy<Value = String> {
    let params = "[0-9;:<=>?]{0,12}";
    let intermediates = "[ -/]{0,2}";
    let payload = "[ -~\u{a0}-\u{17f}日本\u{271c}\u{71c}👩]{0,24}";
    let csi = (prop::sample::select(vec!["\x1b[", "\u{9b}"]), params, intermediates, prop::char::range('@', '~'))
        .prop_map(|(intro, p, i, f)| format!("{intro}{p}{i}{f}"));
    let st = || prop::sample::select(vec!["\x1b\\", "\u{9c}"]);
    let osc = (
        prop::sample::select(vec!["\x1b]", "\u{9d}"]),
        payload,
        prop::sample::select(vec!["\x07", "\x1b\\", "\u{9c}"]),
    )
        .prop_map(|(intro, body, end)| format!("{intro}{body}{end}"));
    let dcs = (
        prop::sample::select(vec!["\x1bP", "\u{90}"]),
        params,
        intermediates,
        prop::char::range('@', '~'),
        payload,
        st(),
    )
        .prop_map(|(intro, p, i, f, body, end)| format!("{intro}{p}{i}{f}{body}{end}"));
    let string = (prop::sample::select(vec!["\x1bX", "\x1b^", "\x1b_", "\u{98}", "\u{9e}", "\u{9f}"]), payload, st())
        .prop_map(|(intro, body, end)| format!("{intro}{body}{end}"));
    let esc = (intermediates, prop::char::range('0', '~'))
        .prop_filter("not a string or CSI opener", |(i, f)| {
            !i.is_empty() || !matches!(f, 'P' | 'X' | '[' | ']' | '^' | '_')
        })
        .prop_map(|(i, f)| format!("\x1b{i}{f}"));
    prop_oneof![csi, osc, dcs, string, esc]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn output_holds_no_control_but_newline_and_tab(s in hostile_string()) {
        let out = sanitize(&s);
        prop_assert!(!contains_escape(&out), "{:?} -> {:?}", s, out);
        prop_assert!(
            out.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'),
            "{:?} -> {:?}", s, out
        );
    }

    #[test]
    fn sanitize_is_idempotent(s in hostile_string()) {
        let once = sanitize(&s);
        prop_assert_eq!(sanitize(&once), once);
    }

    #[test]
    fn output_is_never_longer(s in hostile_string()) {
        prop_assert!(sanitize(&s).len() <= s.len());
    }

    #[test]
    fn output_invents_nothing(s in hostile_string()) {
        // Every output char is an input char, in order; only `\r` may turn into `\n`.
        let mut input = s.chars();
        for c in sanitize(&s).chars() {
            let found = input.any(|i| i == c || (c == '\n' && i == '\r'));
            prop_assert!(found, "{:?} -> {:?}: {:?} came from nowhere", s, sanitize(&s), c);
        }
    }

    #[test]
    fn arbitrary_strings_are_handled(s in any::<String>()) {
        let out = sanitize(&s);
        prop_assert!(!contains_escape(&out));
        prop_assert!(out.len() <= s.len());
        prop_assert_eq!(sanitize(&out), out);
    }

    #[test]
    fn plain_text_passes_through_unchanged(s in plain_string()) {
        prop_assert_eq!(sanitize(&s), s);
    }

    #[test]
    fn whole_sequences_vanish_and_their_neighbours_stay(
        before in plain_string(),
        seqs in prop::collection::vec(whole_sequence(), 1..4),
        after in plain_string(),
    ) {
        let s = format!("{before}{}{after}", seqs.concat());
        prop_assert_eq!(sanitize(&s), format!("{before}{after}"));
    }

    #[test]
    fn sanitize_line_is_one_trimmed_line(s in hostile_string()) {
        let out = sanitize_line(&s);
        prop_assert!(!out.contains(['\n', '\t', '\r']));
        prop_assert!(!contains_escape(&out));
        prop_assert_eq!(out.trim(), out.as_str());
        prop_assert!(!out.contains("  "));
        prop_assert_eq!(sanitize_line(&out), out);
    }

    #[test]
    fn preview_fits_the_limit(s in hostile_string(), max in 0usize..30) {
        let out = preview(&s, max);
        prop_assert!(out.chars().count() <= max, "{:?} at {} -> {:?}", s, max, out);
        prop_assert!(!out.contains(['\n', '\t']));
        prop_assert!(!contains_escape(&out));
        let line = sanitize_line(&s);
        if out != line {
            let kept = out.strip_suffix('…');
            prop_assert!(
                (max == 0 && out.is_empty()) || kept.is_some_and(|k| line.starts_with(k)),
                "{:?} at {} -> {:?}", s, max, out
            );
        }
    }

    #[test]
    fn preview_keeps_text_that_fits(s in plain_string()) {
        let line = sanitize_line(&s);
        prop_assert_eq!(preview(&s, line.chars().count()), line);
    }
}
