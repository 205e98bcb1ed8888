//! [`string_enum!`](crate::string_enum): one declaration for the fieldless enums that
//! cross JSON, the database and bindings as fixed strings (`Tier`, `PolicyType`,
//! `Network`, …), so their text, parsing, `Display` and serde can never disagree.

/// Declares a fieldless enum whose every variant is one fixed string, and generates:
///
/// - `ALL: [Self; N]`, the variants in declaration order, and `NAMES: [&str; N]`, their
///   strings in the same order;
/// - `const fn as_str(self) -> &'static str`;
/// - `fn parse(&str) -> Option<Self>` (exact match: no trimming, no case folding);
/// - `Display` (the string) and `FromStr` (refusing with a
///   [`ValidationError`](crate::ValidationError) that names `field` and lists the
///   accepted strings);
/// - `Serialize` and `Deserialize` as the string (an unknown one is refused with
///   serde's `unknown variant` error listing the accepted strings).
///
/// Attributes (docs, derives such as `Debug, Clone, Copy, PartialEq, Eq, Hash, Ord`)
/// pass through to the enum and its variants; do not derive `Serialize` or
/// `Deserialize`. `field` names the value in the `FromStr` error and `what` describes it.
///
/// ```
/// waiaas_core::string_enum! {
///     /// A traffic light.
///     #[derive(Debug, Clone, Copy, PartialEq, Eq)]
///     pub enum Light {
///         /// Stop.
///         Red => "RED",
///         /// Go.
///         Green => "GREEN",
///     }
///     field = "light", what = "a light";
/// }
///
/// assert_eq!(Light::Red.as_str(), "RED");
/// assert_eq!(Light::parse("GREEN"), Some(Light::Green));
/// assert_eq!(Light::parse("green"), None);
/// assert_eq!(Light::ALL, [Light::Red, Light::Green]);
/// assert_eq!("RED".parse::<Light>().ok(), Some(Light::Red));
/// assert_eq!(
///     "AMBER".parse::<Light>().unwrap_err().to_string(),
///     "invalid `light`: `AMBER` is not a light; use one of `RED`, `GREEN`"
/// );
/// assert_eq!(serde_json::to_string(&Light::Green).unwrap(), "\"GREEN\"");
/// assert_eq!(serde_json::from_str::<Light>("\"RED\"").unwrap(), Light::Red);
/// ```
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
        field = $field:literal, what = $what:literal;
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [Self; [$($text),+].len()] = [$(Self::$variant),+];

            /// The string of every variant, in the order of `ALL`.
            pub const NAMES: [&'static str; [$($text),+].len()] = [$($text),+];

            /// The fixed string of this variant (as in JSON and in the database).
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $text, )+
                }
            }

            /// The variant whose string is exactly `s`.
            #[must_use]
            pub fn parse(s: &str) -> ::core::option::Option<Self> {
                match s {
                    $( $text => ::core::option::Option::Some(Self::$variant), )+
                    _ => ::core::option::Option::None,
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = $crate::ValidationError;

            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                Self::parse(s).ok_or_else(|| {
                    $crate::ValidationError::field(
                        $field,
                        ::std::format!(
                            "`{s}` is not {}; use one of {}",
                            $what,
                            $crate::string_enum::quoted(&Self::NAMES)
                        ),
                    )
                })
            }
        }

        impl $crate::string_enum::serde::Serialize for $name {
            fn serialize<S: $crate::string_enum::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::string_enum::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::string_enum::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                struct Named;

                impl $crate::string_enum::serde::de::Visitor<'_> for Named {
                    type Value = $name;

                    fn expecting(
                        &self,
                        f: &mut ::core::fmt::Formatter<'_>,
                    ) -> ::core::fmt::Result {
                        f.write_str($what)
                    }

                    fn visit_str<E: $crate::string_enum::serde::de::Error>(
                        self,
                        s: &str,
                    ) -> ::core::result::Result<$name, E> {
                        $name::parse(s).ok_or_else(|| E::unknown_variant(s, &$name::NAMES))
                    }
                }

                deserializer.deserialize_str(Named)
            }
        }
    };
}

/// What the expansion of [`string_enum!`](crate::string_enum) refers to.
#[doc(hidden)]
pub use serde;

/// `` `A`, `B`, `C` ``.
#[doc(hidden)]
#[must_use]
pub fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::ErrorCode;

    crate::string_enum! {
        /// A test enum whose strings differ from the variant names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        enum Sample {
            /// First.
            One => "ONE",
            /// Second, spelled differently.
            TwoWords => "two-words",
            /// Third.
            Three => "3",
        }
        field = "sample", what = "a sample";
    }

    #[test]
    fn every_variant_round_trips_through_every_form() {
        assert_eq!(Sample::ALL, [Sample::One, Sample::TwoWords, Sample::Three]);
        assert_eq!(Sample::NAMES, ["ONE", "two-words", "3"]);
        for (v, s) in Sample::ALL.into_iter().zip(Sample::NAMES) {
            assert_eq!(v.as_str(), s);
            assert_eq!(v.to_string(), s);
            assert_eq!(Sample::parse(s), Some(v));
            assert_eq!(s.parse::<Sample>().unwrap(), v);
            assert_eq!(serde_json::to_value(v).unwrap(), json!(s));
            assert_eq!(serde_json::from_value::<Sample>(json!(s)).unwrap(), v);
            // As a map key too (JSON objects keyed by the enum).
            let map: std::collections::BTreeMap<Sample, u8> =
                serde_json::from_value(json!({ s: 1 })).unwrap();
            assert_eq!(map.get(&v), Some(&1));
        }
        // Declaration order is the order of ALL and of `Ord`.
        assert!(Sample::One < Sample::TwoWords && Sample::TwoWords < Sample::Three);
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in ["", "one", " ONE", "ONE ", "TwoWords", "TWO-WORDS", "4"] {
            assert_eq!(Sample::parse(bad), None, "{bad:?}");
            let err = bad.parse::<Sample>().unwrap_err();
            assert_eq!(err.code(), "VALIDATION_FAILED");
            assert_eq!(
                err.to_string(),
                format!(
                    "invalid `sample`: `{bad}` is not a sample; use one of `ONE`, `two-words`, `3`"
                )
            );
            let serde_err = serde_json::from_value::<Sample>(json!(bad)).unwrap_err();
            assert_eq!(
                serde_err.to_string(),
                format!("unknown variant `{bad}`, expected one of `ONE`, `two-words`, `3`")
            );
        }
        // Not a string at all.
        for bad in [json!(0), json!(null), json!(["ONE"]), json!({"ONE": null})] {
            let err = serde_json::from_value::<Sample>(bad.clone()).unwrap_err();
            assert!(
                err.to_string().contains("expected a sample"),
                "{bad}: {err}"
            );
        }
    }
}
