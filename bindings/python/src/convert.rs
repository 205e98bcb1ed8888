//! Python values ⇄ `serde_json::Value`, walked directly (no JSON text in between): the
//! same value space as `json.dumps` / `json.loads` — dict with `str` keys, list or tuple,
//! str, int, float, bool, None — so serde's rules still decide everything once the value
//! reaches `waiaas::api::from_json`. Stricter than `json.dumps` where it would change the
//! value silently: non-`str` keys, integers outside 64 bits and non-finite floats are
//! refused rather than converted.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use crate::invalid_input;

/// Nesting deeper than this is refused (serde_json's own parser stops at 128 too).
const MAX_DEPTH: usize = 128;

/// A Python value as JSON; `what` names the argument in the `VALIDATION_FAILED` error.
pub(crate) fn py_to_json(py: Python<'_>, value: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    to_value(value, 0).map_err(|reason| invalid_input(py, &format!("invalid `{what}`: {reason}")))
}

fn to_value(value: &Bound<'_, PyAny>, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH} levels"));
    }
    let inner = depth.saturating_add(1);
    if value.is_none() {
        return Ok(Value::Null);
    }
    // `bool` before `int`: Python's `True` is an `int` too.
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(
            s.to_cow().map_err(|e| e.to_string())?.into_owned(),
        ));
    }
    if value.cast::<PyInt>().is_ok() {
        if let Ok(i) = value.extract::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(u) = value.extract::<u64>() {
            return Ok(Value::Number(u.into()));
        }
        return Err("an integer outside 64 bits; give large amounts as strings".to_owned());
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| "NaN and infinities are not JSON".to_owned());
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        let mut map = Map::new();
        for (key, item) in dict.iter() {
            let key = key
                .cast::<PyString>()
                .map_err(|_| "a dict key that is not a str".to_owned())?
                .to_cow()
                .map_err(|e| e.to_string())?
                .into_owned();
            map.insert(key, to_value(&item, inner)?);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(list) = value.cast::<PyList>() {
        return list
            .iter()
            .map(|item| to_value(&item, inner))
            .collect::<Result<_, _>>()
            .map(Value::Array);
    }
    if let Ok(tuple) = value.cast::<PyTuple>() {
        return tuple
            .iter()
            .map(|item| to_value(&item, inner))
            .collect::<Result<_, _>>()
            .map(Value::Array);
    }
    let type_name = value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string());
    Err(format!(
        "a `{type_name}` is not JSON (give dicts, lists, str, int, float, bool or None)"
    ))
}

/// JSON as a Python value (dicts, lists, str, int, float, bool, None), as `json.loads`
/// would make it.
pub(crate) fn json_to_py(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any().unbind()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any().unbind()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN))
                    .into_any()
                    .unbind()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any().unbind(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, json_to_py(py, item)?)?;
            }
            dict.into_any().unbind()
        }
    })
}
