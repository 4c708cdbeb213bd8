//! The public site, without login (actix-web + tera, in Swedish): for a doctor or nurse whose SmiNet is down.
//!
//! | Route | What |
//! |---|---|
//! | `GET /` | when paper is the right way, and the three choices |
//! | `GET /klinisk` | region and disease (search works without JavaScript: `?q=`) |
//! | `GET /klinisk/val` | the form the disease decides, or why it is not reported clinically |
//! | `GET /paragraf`, `GET /paragraf/val` | the paragraph notifications |
//! | `GET /blanketter`, `GET /blanketter/pdf` | blank forms in quantity for an emergency binder |
//! | `GET /fyll/{form}`, `POST /fyll/{form}` | fill in on screen, get the PDF with the values and a data QR code |
//! | `GET /forms/{form}.pdf?region=..[&disease=..][&count=..]` | a fresh blank form (contract) |
//! | `GET /static/..` | style sheet and script, served by the binary |
//! | `GET /healthz` | 200 for monitoring |
//!
//! Staff pages (`/staff/`) and the API (`/api/`) are in [`staff`]; they share the store, and the inbox watcher
//! started here takes in scans dropped into `<data>/inbox/`.
//!
//! Privacy: nothing a reporter types is stored or logged. Filled forms are sent with POST, the access log has
//! method, path (never the query string), status and time, and every answer but the static assets says
//! `Cache-Control: no-store`. Only the issued form IDs are recorded (`store::issued`).

mod assets;
mod choose;
mod fill;
mod limit;
mod pages;
mod pdf;
mod security;
pub(crate) mod staff;
pub mod tls;
mod views;

use crate::domain::diseases::Diseases;
use crate::domain::regions::Regions;
use crate::forms::Registry;
use crate::intake::pipeline::Intake;
use crate::render::Renderer;
use crate::store::Store;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpResponse, HttpServer, http::StatusCode, web};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Requests a minute per client address on the PDF endpoints; 0 turns the limit off.
pub const RATE_LIMIT_ENV: &str = "BLANKETT_PUBLIC_RATE_LIMIT";
pub const DEFAULT_RATE_LIMIT: u32 = 60;
/// Set to `off` to silence the access log (method, path, status, time).
pub const ACCESS_LOG_ENV: &str = "BLANKETT_ACCESS_LOG";
/// Most blank forms in one request.
pub const MAX_BATCH: usize = 50;
/// Largest request body accepted (a filled form is a few kilobytes).
pub const MAX_BODY: usize = 64 * 1024;
/// Seconds between two looks into `<data>/inbox/`; 0 turns the inbox watcher off.
pub const INBOX_ENV: &str = "BLANKETT_INBOX_SECONDS";
pub const DEFAULT_INBOX_SECONDS: u64 = 10;

pub struct Config {
    pub data_dir: PathBuf,
    pub bind: String,
    /// Requests a minute per client address on the PDF endpoints; 0 is off.
    pub rate_limit: u32,
    pub access_log: bool,
    pub workers: Option<usize>,
    /// How often the inbox is swept; None: not watched.
    pub inbox_every: Option<Duration>,
}

impl Config {
    /// The configuration with the rate limit and access log taken from the environment.
    pub fn from_env(data_dir: PathBuf, bind: String) -> Result<Config> {
        let rate_limit = match std::env::var(RATE_LIMIT_ENV) {
            Err(_) => DEFAULT_RATE_LIMIT,
            Ok(v) if v.trim().is_empty() => DEFAULT_RATE_LIMIT,
            Ok(v) => v.trim().parse().with_context(|| {
                format!(
                    "{RATE_LIMIT_ENV}={v:?}: ange antal förfrågningar per minut, 0 för ingen gräns"
                )
            })?,
        };
        let access_log = !matches!(
            std::env::var(ACCESS_LOG_ENV).as_deref().map(str::trim),
            Ok("off" | "0" | "false" | "nej")
        );
        let inbox_seconds = match std::env::var(INBOX_ENV) {
            Err(_) => DEFAULT_INBOX_SECONDS,
            Ok(v) if v.trim().is_empty() => DEFAULT_INBOX_SECONDS,
            Ok(v) => v.trim().parse().with_context(|| {
                format!("{INBOX_ENV}={v:?}: ange sekunder mellan två tittar i inkorgen, 0 för av")
            })?,
        };
        Ok(Config {
            data_dir,
            bind,
            rate_limit,
            access_log,
            workers: None,
            inbox_every: (inbox_seconds > 0).then(|| Duration::from_secs(inbox_seconds)),
        })
    }
}

/// Everything the handlers share, built once at start-up.
pub struct Site {
    pub registry: &'static Registry,
    pub renderer: Renderer,
    pub regions: Regions,
    pub diseases: &'static Diseases,
    pub store: Store,
    pub limiter: Option<limit::RateLimiter>,
    pub access_log: bool,
    views: views::Views,
    /// The staff side's model, on the same database.
    pub staff: crate::staff::Staff,
    /// Intake on the same store: uploads from the staff pages and the inbox watcher.
    pub intake: Arc<Intake>,
    staff_views: staff::StaffViews,
    images: staff::PageImages,
}

impl Site {
    pub fn new(config: &Config) -> Result<Site> {
        let registry = Registry::embedded();
        let regions = Regions::from_env_or_data_dir(Some(&config.data_dir))?;
        let store = Store::open(&config.data_dir)?;
        let settings =
            crate::staff::Settings::from_env().context("personalsidans inställningar")?;
        let staff = crate::staff::Staff::open(&store, settings)
            .context("personalsidans databas kunde inte öppnas")?;
        let mut intake = Intake::new(store.clone());
        // The inbox and uploads read behind the site, never in its way.
        intake.background = true;
        let intake = Arc::new(intake);
        Ok(Site {
            registry,
            renderer: Renderer::new(registry),
            regions,
            diseases: Diseases::embedded(),
            store,
            limiter: (config.rate_limit > 0).then(|| limit::RateLimiter::new(config.rate_limit)),
            access_log: config.access_log,
            views: views::Views::new()?,
            staff,
            intake,
            staff_views: staff::StaffViews::new()?,
            images: staff::PageImages::default(),
        })
    }
}

/// The routes of the public site, for `App::configure`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::start))
        .route("/healthz", web::get().to(pages::healthz))
        .route("/healthz", web::head().to(pages::healthz))
        .route("/klinisk", web::get().to(pages::klinisk))
        .route("/klinisk/val", web::get().to(pages::klinisk_val))
        .route("/paragraf", web::get().to(pages::paragraf))
        .route("/paragraf/val", web::get().to(pages::paragraf_val))
        .route("/blanketter", web::get().to(pages::blanketter))
        .route("/blanketter/pdf", web::get().to(pdf::batch))
        .route("/forms/{form}.pdf", web::get().to(pdf::blank))
        .route("/fyll/{form}", web::get().to(fill::show))
        .route("/fyll/{form}", web::post().to(fill::submit))
        .route("/static/{file}", web::get().to(assets::serve));
}

/// The whole application (public site, staff pages, API) around one shared [`Site`]: the factory every server
/// worker calls, whatever the server binds to (plain HTTP here, rustls in `tls`).
pub fn app(
    site: web::Data<Site>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(site)
        .wrap(actix_web::middleware::from_fn(security::headers))
        .configure(routes)
        .configure(staff::routes)
        .default_service(web::to(pages::not_found))
}

/// Starts the site and the inbox watcher and serves until the process is stopped. Prints the address it listens
/// on (with the real port when the bind address asks for port 0) on standard error.
pub fn run(config: Config) -> Result<()> {
    // HTTPS when a certificate is configured (`tls::TlsSettings`), checked before anything starts; staff session
    // cookies are then `Secure`.
    let tls_config = match tls::TlsSettings::from_env()? {
        Some(settings) => Some(tls::server_config(&settings)?),
        None => None,
    };
    let site = web::Data::new(Site::new(&config).context("kunde inte starta webbplatsen")?);
    if let Some(every) = config.inbox_every {
        crate::intake::inbox::spawn(site.intake.clone(), &config.data_dir, every);
    }
    let stale = staff::upload_body::remove_stale(&site.store.scans.path(""));
    if stale > 0 {
        eprintln!("blankett: {stale} avbrutna uppladdningar togs bort");
    }
    crate::store::backup_handoff::spawn(site.store.clone(), &config.data_dir);
    let site_for_flush = site.clone();
    spawn_failed_login_flusher(site.clone());
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let mut server = HttpServer::new(move || app(site.clone()))
            .client_request_timeout(std::time::Duration::from_secs(10))
            .shutdown_timeout(5);
        if let Some(n) = config.workers {
            server = server.workers(n);
        }
        let bound = match tls_config {
            Some(tls_config) => server
                .on_connect(tls::on_connect)
                .bind_rustls_0_23(&config.bind, tls_config),
            None => server.bind(&config.bind),
        };
        let server = match bound {
            Ok(s) => s,
            Err(e) => bail!("kan inte lyssna på {}: {e}", config.bind),
        };
        for (addr, scheme) in server.addrs_with_scheme() {
            eprintln!("blankett: lyssnar på {scheme}://{addr}");
        }
        server.run().await.context("webbservern stannade")
    })?;
    // Stopped by a signal: the failed log-ins counted so far and everything issued are on disk before the process
    // ends.
    if let Err(e) = site_for_flush.staff.failed_logins.flush_all() {
        eprintln!("blankett: misslyckade inloggningar kunde inte loggas: {e}");
    }
    site_for_flush
        .store
        .flush()
        .context("databasen kunde inte skrivas")?;
    eprintln!("blankett: stoppad");
    Ok(())
}

/// Writes the summaries of failed log-ins when their window closes, also when no further log-in comes to do it.
fn spawn_failed_login_flusher(site: web::Data<Site>) {
    let every = (site.staff.settings.login_log_window / 4)
        .clamp(Duration::from_secs(1), Duration::from_secs(30));
    let spawned = std::thread::Builder::new()
        .name("blankett-login-log".into())
        .spawn(move || {
            loop {
                std::thread::sleep(every);
                if let Err(e) = site.staff.failed_logins.flush_due() {
                    eprintln!("blankett: misslyckade inloggningar kunde inte loggas: {e}");
                }
            }
        });
    if let Err(e) = spawned {
        eprintln!("blankett: misslyckade inloggningar sammanfattas vid nästa försök ({e})");
    }
}

/// An HTML error page with a Swedish message, never a bare status.
pub(crate) fn error_page(
    site: &Site,
    status: StatusCode,
    title: &str,
    message: &str,
) -> HttpResponse {
    let mut ctx = tera::Context::new();
    ctx.insert("title", title);
    ctx.insert("message", message);
    site.views.html(status, "fel.html", &ctx)
}

/// Query or form parameters, parsed by hand so that a malformed query gives a Swedish answer rather than the
/// framework's. Repeated keys keep every value.
#[derive(Debug, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(encoded: &[u8]) -> Params {
        Params(
            form_urlencoded::parse(encoded)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }
    pub fn query(req: &actix_web::HttpRequest) -> Params {
        Params::parse(req.query_string().as_bytes())
    }
    /// The first value of `key`, trimmed; `None` when absent or empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
    /// Every value of `key`, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}
