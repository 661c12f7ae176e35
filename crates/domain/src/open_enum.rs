//! Enums of the values we know, plus `Other` for one we do not: a vendor's new channel,
//! a newer server's status. An unknown value is kept and shown as it came, never mapped
//! to a wrong known one ("rcs" is not "sms").
//!
//! On the wire each is a plain string. The `OpenAPI` schema lists only the known names:
//! the native server speaks those, and parses request bodies inside [`refusing_unknown`]
//! so an unknown name there is a 422 naming the field, like any other wrong value.

use std::cell::Cell;

thread_local! {
    static REFUSING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `parse` with unknown names refused instead of kept: for the server, whose API
/// takes only the values it documents. (Deserialising is synchronous, so a
/// thread-local flag covers exactly this parse, however deep the value sits.)
pub fn refusing_unknown<R>(parse: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            REFUSING.set(self.0);
        }
    }
    let _restore = Restore(REFUSING.replace(true));
    parse()
}

#[doc(hidden)]
#[must_use]
pub fn refusing() -> bool {
    REFUSING.get()
}

/// The longest unknown value kept, in characters: enough for any real enum name, and a
/// hostile vendor cannot widen a column with one.
pub const OTHER_MAX_CHARS: usize = 40;

/// Keeps an unknown value as it came, made safe for a terminal: one line, no escape
/// sequences, at most [`OTHER_MAX_CHARS`].
#[must_use]
pub fn other_value(s: &str) -> String {
    crate::text::sanitize_line(s).chars().take(OTHER_MAX_CHARS).collect()
}

/// `open_enum! { /// doc  #[derive(..)] pub enum Name { Known = "known", … } }` adds an
/// `Other(String)` variant, `ALL` (the known ones), `as_str`, `parse` (known only),
/// `from_wire` (known or `Other`), string serde, `Display` and a string-enum schema.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $s:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this build does not know, kept as it came (sanitised).
            Other(String),
        }

        impl $name {
            /// The known values, in order.
            pub const ALL: [Self; { [$($s),+].len() }] = [$(Self::$variant),+];

            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $s, )+
                    Self::Other(s) => s,
                }
            }

            /// A known value by its wire name; `None` for anything else.
            #[must_use]
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $( $s => Some(Self::$variant), )+
                    _ => None,
                }
            }

            /// A value as a peer sent it: known, or kept as `Other`.
            #[must_use]
            pub fn from_wire(s: &str) -> Self {
                Self::parse(s).unwrap_or_else(|| Self::Other($crate::open_enum::other_value(s)))
            }

            /// False for `Other`.
            #[must_use]
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " name such as \"", $crate::open_enum::first!($($s),+), "\""))
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        match $name::parse(v) {
                            Some(known) => Ok(known),
                            None if $crate::open_enum::refusing() => Err(E::unknown_variant(v, &[$($s),+])),
                            None => Ok($name::Other($crate::open_enum::other_value(v))),
                        }
                    }
                }
                d.deserialize_str(Visitor)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($s),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

/// The first of a list of literals (for an error message's example).
macro_rules! first {
    ($first:literal $(, $rest:literal)*) => {
        $first
    };
}

pub(crate) use first;
pub(crate) use open_enum;

#[cfg(test)]
mod tests {
    use crate::{AuthorKind, Channel, Priority, Status};

    #[test]
    fn known_values_round_trip_and_unknown_ones_are_kept_as_they_came() {
        for c in Channel::ALL {
            let json = serde_json::to_string(&c).expect("serialises");
            assert_eq!(serde_json::from_str::<Channel>(&json).expect("parses"), c);
        }
        let rcs: Channel = serde_json::from_str("\"rcs\"").expect("parses");
        assert_eq!(rcs, Channel::Other("rcs".into()));
        assert_eq!(serde_json::to_string(&rcs).expect("serialises"), "\"rcs\"");
        assert_eq!(Status::from_wire("resolved").as_str(), "resolved");
        assert_eq!(AuthorKind::from_wire("bot"), AuthorKind::Other("bot".into()));
        assert_eq!(Priority::from_wire("medium").to_string(), "medium");
        assert!(!Priority::from_wire("medium").is_known());
        assert!(Priority::from_wire("high").is_known());
    }

    #[test]
    fn an_unknown_value_is_sanitised_and_bounded() {
        let hostile = format!("\u{1b}]52;c;aGk=\u{7}x{}", "y".repeat(500));
        let Channel::Other(kept) = Channel::from_wire(&hostile) else { panic!("kept as Other") };
        assert!(!kept.contains('\u{1b}') && !kept.contains('\u{7}'), "{kept:?}");
        assert_eq!(kept.chars().count(), super::OTHER_MAX_CHARS);
    }

    #[test]
    fn the_server_refuses_an_unknown_name_and_is_lenient_again_after() {
        let refused = super::refusing_unknown(|| serde_json::from_str::<Vec<Channel>>(r#"["sms","rcs"]"#));
        let err = refused.expect_err("rcs is not a native channel");
        assert!(err.to_string().contains("unknown variant `rcs`, expected one of `sms`"), "{err}");
        let kept = serde_json::from_str::<Vec<Channel>>(r#"["sms","rcs"]"#).expect("a client keeps it");
        assert_eq!(kept, [Channel::Sms, Channel::Other("rcs".into())]);
    }

    #[test]
    fn a_number_is_still_refused() {
        let err = serde_json::from_str::<Status>("5").expect_err("a number is not a status");
        assert!(err.to_string().contains("Status name"), "{err}");
    }
}
