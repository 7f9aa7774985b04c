//! Reading request bodies field by field, so each dialect answers bad input in its own shape
//! and words, and Octopush's lenient reading ("cast what can be cast") lives in one place.

use serde_json::{Map, Value};

/// Why a body could not be read as a JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    NotJson(String),
    NotObject,
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::NotJson(e) => write!(f, "malformed JSON: {e}"),
            BodyError::NotObject => write!(f, "the body must be a JSON object"),
        }
    }
}

/// A JSON object body.
#[derive(Debug, Default)]
pub struct Fields(Map<String, Value>);

impl Fields {
    /// Parses a body; an empty body is an empty object.
    pub fn parse(bytes: &[u8]) -> Result<Self, BodyError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            Ok(_) => Err(BodyError::NotObject),
            Err(e) => Err(BodyError::NotJson(e.to_string())),
        }
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// A string field, strictly: absent/null is `None`, another type is an error.
    pub fn string(&self, name: &str) -> Result<Option<String>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!("{name}: expected a string, got {}", kind(other))),
        }
    }

    /// A string field, leniently: numbers and booleans are written out as text.
    pub fn string_lenient(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// An integer field, strictly (a JSON integer; a numeric string is accepted too, since
    /// form-minded clients send them).
    pub fn int(&self, name: &str) -> Result<Option<i64>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| format!("{name}: expected an integer, got {n}")),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| format!("{name}: expected an integer, got {s:?}")),
            Some(other) => Err(format!("{name}: expected an integer, got {}", kind(other))),
        }
    }

    /// An integer field, leniently: `"6"`, `6.0`, `" 6 "` are 6; anything else is ignored.
    pub fn int_lenient(&self, name: &str) -> Option<i64> {
        match self.get(name)? {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.round() as i64)),
            Value::String(s) => {
                let s = s.trim();
                s.parse::<i64>()
                    .ok()
                    .or_else(|| s.parse::<f64>().ok().map(|f| f.round() as i64))
            }
            Value::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// A boolean field, leniently: `true`, `"true"`, `1`, `"1"`, `"yes"`, `"on"` are true;
    /// their opposites false; anything else is ignored.
    pub fn bool_lenient(&self, name: &str) -> Option<bool> {
        match self.get(name)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => n.as_f64().map(|f| f != 0.0),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" | "y" => Some(true),
                "false" | "0" | "no" | "off" | "n" | "" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_casts() {
        let f = Fields::parse(br#"{"a":"6","b":6.0,"c":"true","d":1,"e":"x","g":[1]}"#).unwrap();
        assert_eq!(f.int_lenient("a"), Some(6));
        assert_eq!(f.int_lenient("b"), Some(6));
        assert_eq!(f.bool_lenient("c"), Some(true));
        assert_eq!(f.bool_lenient("d"), Some(true));
        assert_eq!(f.bool_lenient("e"), None);
        assert_eq!(f.int_lenient("g"), None);
        assert_eq!(f.string_lenient("d").as_deref(), Some("1"));
    }

    #[test]
    fn strict_errors_name_the_field() {
        let f = Fields::parse(br#"{"to": 5, "length": "x"}"#).unwrap();
        assert!(f.string("to").unwrap_err().contains("to"));
        assert!(f.int("length").unwrap_err().contains("length"));
        assert_eq!(f.int("missing"), Ok(None));
    }

    #[test]
    fn bodies() {
        assert!(Fields::parse(b"").is_ok());
        assert_eq!(Fields::parse(b"[1]").unwrap_err(), BodyError::NotObject);
        assert!(matches!(Fields::parse(b"{"), Err(BodyError::NotJson(_))));
    }
}
