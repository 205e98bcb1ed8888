//! `waiaas mcp setup [--all] [--print]`: registers `waiaas mcp serve` as the `waiaas`
//! entry of an MCP client's `mcpServers` config. The entry holds the session token, so
//! the file is written 0600 (atomically, other entries kept) and the token is printed
//! only with `--print`. The master password is never copied into it: the server reads
//! the vault's usual sources (`recovery.key` in the data dir, or the
//! `WAIAAS_MASTER_PASSWORD_FILE` path, which is carried over when set).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::failure::{Failure, Outcome};
use crate::output::emit;

/// A client whose config this command writes.
struct Client {
    /// Stable name in the output.
    name: &'static str,
    /// Its config file under the home directory.
    path: PathBuf,
}

/// Claude Desktop, then (with `--all`) Cursor and Windsurf: all three read the same
/// `{"mcpServers": {NAME: {command, args, env}}}` shape.
fn clients(home: &Path, all: bool) -> Vec<Client> {
    let claude = if cfg!(target_os = "macos") {
        home.join("Library/Application Support/Claude/claude_desktop_config.json")
    } else {
        std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map_or_else(|| home.join(".config"), PathBuf::from)
            .join("Claude/claude_desktop_config.json")
    };
    let mut list = vec![Client {
        name: "claude-desktop",
        path: claude,
    }];
    if all {
        list.push(Client {
            name: "cursor",
            path: home.join(".cursor/mcp.json"),
        });
        list.push(Client {
            name: "windsurf",
            path: home.join(".codeium/windsurf/mcp_config.json"),
        });
    }
    list
}

#[derive(Serialize)]
struct Written {
    client: &'static str,
    path: String,
}

/// Writes (or prints) the `waiaas` entry for each client.
/// A session for the MCP client when none was given: one wallet, `ttl` seconds, the
/// library's defaults otherwise (the article's bare `waiaas mcp setup --all`).
pub fn new_session(data_dir: &Path, wallet: Option<&str>, ttl: u64) -> Outcome<String> {
    let admin = crate::vault::open(data_dir)?;
    let wallet = super::select::wallet(&admin, wallet)?;
    let request: waiaas::api::CreateSession = waiaas::api::from_json(
        "session",
        json!({ "walletId": wallet.id.to_string(), "ttl": ttl }),
    )?;
    let issued = admin.create_session(&request.to_request().map_err(waiaas::Error::from)?)?;
    Ok(issued.token.expose().to_owned())
}

pub fn run(data_dir: &Path, token: &str, all: bool, print: bool, json: bool) -> Outcome {
    let entry = server_entry(data_dir, token)?;
    if print {
        let config = json!({ "mcpServers": { "waiaas": entry } });
        return emit(true, &config, |_| String::new());
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| Failure::cli("CLI_HOME_UNKNOWN", "`HOME` is not set"))?;
    let mut written = Vec::new();
    for client in clients(&home, all) {
        merge_entry(&client.path, &entry)?;
        written.push(Written {
            client: client.name,
            path: client.path.display().to_string(),
        });
    }
    emit(json, &json!({ "written": written }), |_| {
        let mut text =
            String::from("registered `waiaas mcp serve` (the token is in each file, mode 0600):");
        for w in &written {
            text.push_str(&format!("\n  {}: {}", w.client, w.path));
        }
        text.push_str("\nrestart the client to load it");
        text
    })
}

fn server_entry(data_dir: &Path, token: &str) -> Outcome<Value> {
    let exe = std::env::current_exe().map_err(|e| {
        Failure::cli(
            "CLI_EXE_UNKNOWN",
            format!("cannot locate this program: {e}"),
        )
    })?;
    let data_dir = std::path::absolute(data_dir).map_err(|e| {
        Failure::cli(
            "CLI_DATA_DIR_UNKNOWN",
            format!("cannot resolve the data dir: {e}"),
        )
    })?;
    let mut env = Map::new();
    env.insert(
        "WAIAAS_SESSION_TOKEN".to_owned(),
        Value::String(token.to_owned()),
    );
    if let Some(file) = std::env::var_os("WAIAAS_MASTER_PASSWORD_FILE") {
        env.insert(
            "WAIAAS_MASTER_PASSWORD_FILE".to_owned(),
            Value::String(file.to_string_lossy().into_owned()),
        );
    }
    Ok(json!({
        "command": exe.display().to_string(),
        "args": ["mcp", "serve", "--data-dir", data_dir.display().to_string()],
        "env": env,
    }))
}

/// Sets `mcpServers.waiaas` in the JSON file at `path`, keeping everything else; a file
/// that is not a JSON object is left untouched and reported.
fn merge_entry(path: &Path, entry: &Value) -> Outcome {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        Failure::cli(
            "CLI_CLIENT_CONFIG",
            format!("cannot {what} `{}`: {e}", path.display()),
        )
    };
    let mut config = match fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => Map::new(),
        Ok(text) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(fail("update", &"it is not a JSON object")),
            Err(e) => return Err(fail("parse", &e)),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::new(),
        Err(e) => return Err(fail("read", &e)),
    };
    let servers = config
        .entry("mcpServers")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(servers) = servers else {
        return Err(fail("update", &"its `mcpServers` is not an object"));
    };
    servers.insert("waiaas".to_owned(), entry.clone());
    let text =
        serde_json::to_string_pretty(&Value::Object(config)).map_err(|e| fail("encode", &e))?;

    let parent = path.parent().unwrap_or(Path::new("."));
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(parent)
        .map_err(|e| fail("create the folder of", &e))?;
    // Written beside it then renamed: a crash leaves the old file or the new, never half.
    let temp = path.with_extension("json.waiaas-tmp");
    let _ = fs::remove_file(&temp);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .map_err(|e| fail("write", &e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .map_err(|e| fail("write", &e))?;
    fs::rename(&temp, path).map_err(|e| fail("replace", &e))
}
