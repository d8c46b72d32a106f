//! What changed in a definition, as one line for the audit trail:
//! `field: old -> new; ...` over the definition's JSON fields.

use serde_json::{Map, Value};

/// The changed fields of a definition, `field: old -> new`.
pub fn diff_json<T: serde::Serialize>(old: &T, new: &T) -> String {
    let (a, b) = (json_fields(old), json_fields(new));
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| {
            let show = |v: Option<&Value>| v.map_or("(unset)".to_owned(), Value::to_string);
            format!("{k}: {} -> {}", show(a.get(k)), show(b.get(k)))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A definition's JSON fields (proto field names, defaults left out).
pub fn json_fields<T: serde::Serialize>(v: &T) -> Map<String, Value> {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}
