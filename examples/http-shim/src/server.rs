//! Binding and serving: [`Server::bind`] takes an unlocked instance's [`Admin`] and
//! returns a server listening on its address; [`Server::serve`] answers until the
//! shutdown future completes. A CLI opens the vault (with [`open_vault`] or its own
//! password handling) and calls these two.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use waiaas::api::RequestError;
use waiaas::{Admin, Host, SecretString, StaticPriceOracle, Unlock, Waiaas};

use crate::config::ServerConfig;
use crate::error::ApiError;
use crate::host_guard::{AllowedHosts, guard};
use crate::rate_limit::RequestLimiter;
use crate::state::AppState;

/// Opens (or creates) the vault in `data_dir` with `config`'s settings and price
/// table; the password is `password`, else the library's sources
/// (`WAIAAS_MASTER_PASSWORD`, `WAIAAS_MASTER_PASSWORD_FILE`, `recovery.key`). Runs
/// Argon2id once.
///
/// # Errors
/// As [`Waiaas::open`] / [`Waiaas::create`]; `VALIDATION_FAILED` for a bad price entry.
pub fn open_vault(
    config: &ServerConfig,
    data_dir: &Path,
    password: Option<SecretString>,
    unlock: Unlock,
) -> Result<(Admin, Arc<StaticPriceOracle>), waiaas::Error> {
    let prices = config.price_oracle()?;
    let host = Host {
        prices: prices.clone(),
        ..Host::default()
    };
    let admin = Waiaas::unlock(data_dir, unlock, password, &config.instance_config(), host)?;
    Ok((admin, prices))
}

/// The application: every route of [`crate::routes::ROUTES`], the host guard, the
/// body limit, JSON answers for unknown routes and methods. No CORS layer: browsers
/// get no cross-origin access.
pub fn app(config: &ServerConfig, admin: Admin, prices: Arc<StaticPriceOracle>) -> Router {
    let state = AppState {
        admin,
        prices,
        body_limit: config.body_limit_bytes,
        limiter: Arc::new(RequestLimiter::new(
            config.agent_requests_per_minute,
            Duration::from_secs(60),
        )),
    };
    let allowed = AllowedHosts(Arc::new(config.allowed_hosts.clone()));
    crate::routes::router()
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(config.body_limit_bytes))
        .layer(axum::middleware::from_fn_with_state(
            config.body_limit_bytes,
            crate::extract::buffer_body,
        ))
        .layer(axum::middleware::from_fn_with_state(allowed, guard))
        .with_state(state)
}

async fn not_found(uri: Uri) -> ApiError {
    let path: String = Uri::path(&uri).chars().take(200).collect();
    RequestError::RouteNotFound { path }.into()
}

async fn method_not_allowed() -> ApiError {
    RequestError::MethodNotAllowed.into()
}

/// A bound server.
#[derive(Debug)]
pub struct Server {
    listener: tokio::net::TcpListener,
    app: Router,
    admin: Admin,
    scheduler_interval: Duration,
}

/// How long one Telegram `getUpdates` long poll waits for news.
const TELEGRAM_POLL_SECS: u64 = 25;

impl Server {
    /// Binds `config.host:config.port` and prepares the routes over `admin`; `prices`
    /// is the table the instance was opened with (what `PUT /v1/admin/prices` edits).
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn bind(
        config: &ServerConfig,
        admin: Admin,
        prices: Arc<StaticPriceOracle>,
    ) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind((config.host, config.port)).await?;
        Ok(Self {
            listener,
            app: app(config, admin.clone(), prices),
            admin,
            scheduler_interval: Duration::from_millis(config.scheduler_interval_ms.max(10)),
        })
    }

    /// The bound address (the port when 0 was asked for).
    ///
    /// # Errors
    /// When the socket cannot say.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, running due DELAY transactions and
    /// expiring approvals in the background meanwhile, and answering the Telegram
    /// channels' bot commands (`/pending`) by long polling.
    ///
    /// # Errors
    /// An I/O error of the listener.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Self {
            listener,
            app,
            admin,
            scheduler_interval,
        } = self;
        // The store blocks (and the PostgreSQL client may not run on a runtime thread at
        // all, not even to close its connections): the scheduler and the bots are set
        // up, and the instance is dropped, off the runtime.
        let waiaas = admin.waiaas();
        let (scheduler, bots) = tokio::task::spawn_blocking(move || {
            (
                waiaas.spawn_scheduler(scheduler_interval),
                waiaas.spawn_telegram_bots(Duration::from_secs(TELEGRAM_POLL_SECS)),
            )
        })
        .await
        .map_err(std::io::Error::other)?;
        let result = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        // Joins the scheduler thread (it finishes its current tick) and stops the bots.
        tokio::task::spawn_blocking(move || drop((scheduler, bots, admin)))
            .await
            .ok();
        result
    }
}
