//! `joinedup serve`: the planner's workbench, a web page served from this machine that picks
//! a scenario, moves its levers, runs it and shows the report.
//!
//! The server is `tiny_http` (synchronous, no async runtime): a few handler threads take
//! requests, and one worker thread runs simulations one after another, so two planners
//! clicking Run at once queue rather than halve each other's speed. Runs go through the
//! command line's own steps (`api::load`, `experiment`, `output::run_files`, `report::write`),
//! into a folder of their own inside the results folder; the page shows that folder's report.
//!
//! **Invariant:** the server reads and writes only inside its scenarios and results folders
//! (`paths::Folder` checks every name), answers only requests addressed to this machine when
//! bound to it, and takes POSTs only as JSON, which another web site cannot send without the
//! browser asking first (and this server never says yes).

pub mod api;
mod page;
pub mod paths;

use crate::error::{EXIT_BAD_INPUT, Error, Result};
use crate::experiment::{self, Progress};
use crate::metrics::METRICS;
use crate::output;
use crate::provenance::{self, Provenance};
use crate::report::{self, read};
use crate::scenario::LoadedScenario;
use api::{RunRequest, ScenarioRequest, Source};
use paths::Folder;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::Read as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Port the workbench listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8737;
/// Threads answering requests; a request waiting for its run holds one.
const HANDLERS: usize = 6;
/// Largest request body read; a scenario choice with overrides is a few kilobytes.
const MAX_BODY: u64 = 1 << 20;
/// How long `POST /api/runs/<id>/cancel` waits for the replications to stop before it
/// answers. They check their run's stop every few milliseconds, so this is only a bound on
/// a machine too busy to get round to them; the answer then says the run is stopping.
const CANCEL_WAIT: Duration = Duration::from_secs(30);
/// What a cancelled run says, to the page and to scripts.
const CANCELLED: &str =
    "cancelled: the run was stopped before every replication had finished, so it has no results and nothing was written";
/// The files of a run the API hands out, with their content types.
const RUN_FILES: &[(&str, &str)] = &[
    ("summary.json", "application/json"),
    ("replications.csv", "text/csv; charset=utf-8"),
    ("timeseries.csv", "text/csv; charset=utf-8"),
    ("scenario.ron", "text/plain; charset=utf-8"),
    (provenance::FILE_NAME, "application/json"),
    (report::FILE_NAME, "text/html; charset=utf-8"),
];

/// Where the workbench listens and which folders it serves.
#[derive(Debug, Clone)]
pub struct Config {
    pub address: IpAddr,
    /// 0 picks a free port (the tests use this).
    pub port: u16,
    /// Scenario files it lists, and where it saves new ones.
    pub scenarios: PathBuf,
    /// Where each run gets a folder of its own.
    pub results: PathBuf,
    /// Worker threads for simulations (all cores when `None`).
    pub threads: Option<usize>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: DEFAULT_PORT,
            scenarios: PathBuf::from("scenarios"),
            results: PathBuf::from("results").join("workbench"),
            threads: None,
        }
    }
}

/// A running workbench: bound to its port, not yet answering until [`Workbench::serve`].
pub struct Workbench {
    server: Arc<tiny_http::Server>,
    state: Arc<State>,
    address: SocketAddr,
}

struct State {
    scenarios: Folder,
    results: Folder,
    /// Bound to a loopback address: requests must name this machine as their host.
    loopback_only: bool,
    runs: Mutex<Runs>,
    queue: Mutex<mpsc::Sender<Job>>,
}

struct Runs {
    by_id: HashMap<String, Arc<Run>>,
    next_number: u64,
}

/// One run, queued, going or finished.
struct Run {
    id: String,
    /// The scenario's id in the catalogue, as the request named it, so a page that finds the
    /// run under way (after a reload) can say which scenario it is.
    scenario: String,
    /// Set by the worker, holding `outcome`'s lock, when it takes the run on; a run cancelled
    /// before that is never started.
    started: AtomicBool,
    /// Jobs done, and this run's own stop (set by `POST /api/runs/<id>/cancel`).
    progress: Progress,
    outcome: Mutex<Option<Outcome>>,
    finished: Condvar,
}

#[derive(Clone)]
enum Outcome {
    Done {
        summary_json: String,
        /// What `joinedup run` would print as warnings after its table (`overload::warnings`).
        warnings: Vec<String>,
    },
    Failed {
        status: u16,
        message: String,
        exit_code: u8,
    },
    /// Stopped from the page before its results were written: no folder, no files.
    Cancelled,
}

impl Run {
    fn finish(&self, outcome: Outcome) {
        *self.outcome.lock().expect("a run's outcome is never poisoned") = Some(outcome);
        self.finished.notify_all();
    }
}

struct Job {
    run: Arc<Run>,
    loaded: LoadedScenario,
    arguments: Vec<String>,
    dir: PathBuf,
}

/// An answer: status, content type and body, and headers beyond the usual.
struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn json(status: u16, value: &Value) -> Reply {
        let mut body = serde_json::to_vec_pretty(value).expect("JSON values serialise");
        body.push(b'\n');
        Reply { status, content_type: "application/json", body, headers: Vec::new() }
    }

    fn error(error: &Error) -> Reply {
        let status = match error {
            Error::OutsideFolder { .. } => 403,
            Error::NotFound { .. } => 404,
            e if e.exit_code() == EXIT_BAD_INPUT => 400,
            _ => 500,
        };
        Reply::json(status, &json!({"error": error.to_string(), "exit_code": error.exit_code()}))
    }

    fn refuse(status: u16, message: &str) -> Reply {
        Reply::json(status, &json!({"error": message, "exit_code": EXIT_BAD_INPUT}))
    }
}

impl Workbench {
    /// Opens the folders (creating them when missing), binds the port and starts the worker.
    pub fn start(config: &Config) -> Result<Workbench> {
        let scenarios = Folder::open("scenarios", &config.scenarios)?;
        let results = Folder::open("results", &config.results)?;
        let requested = SocketAddr::new(config.address, config.port);
        let server = tiny_http::Server::http(requested).map_err(|e| Error::Serve {
            address: requested.to_string(),
            message: format!("{e}. Choose another --port, or stop the program already using it"),
        })?;
        let address = server.server_addr().to_ip().expect("bound to an IP address");
        let (sender, receiver) = mpsc::channel::<Job>();
        let threads = config.threads;
        std::thread::Builder::new()
            .name("workbench-runs".into())
            .spawn(move || {
                for job in receiver {
                    execute(job, threads);
                }
            })
            .map_err(|e| Error::Serve { address: address.to_string(), message: format!("cannot start the worker thread: {e}") })?;
        let next_number = first_free_number(results.root());
        let state = State {
            scenarios,
            results,
            loopback_only: config.address.is_loopback(),
            runs: Mutex::new(Runs { by_id: HashMap::new(), next_number }),
            queue: Mutex::new(sender),
        };
        Ok(Workbench { server: Arc::new(server), state: Arc::new(state), address })
    }

    /// The page's address.
    pub fn url(&self) -> String {
        format!("http://{}/", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The folders served, as given.
    pub fn folders(&self) -> (&Path, &Path) {
        (self.state.scenarios.shown(), self.state.results.shown())
    }

    /// Answers requests until the process ends (or [`Stopper::stop`] is called).
    pub fn serve(self) {
        let handlers: Vec<_> = (0..HANDLERS)
            .map(|_| {
                let server = Arc::clone(&self.server);
                let state = Arc::clone(&self.state);
                std::thread::spawn(move || {
                    // `incoming_requests` ends when the server is unblocked (stopped).
                    for request in server.incoming_requests() {
                        answer(&state, request);
                    }
                })
            })
            .collect();
        for handler in handlers {
            let _ = handler.join();
        }
    }

    /// Something that stops [`Workbench::serve`] from another thread.
    pub fn stopper(&self) -> Stopper {
        Stopper { server: Arc::clone(&self.server) }
    }
}

/// Stops a workbench's handlers.
#[derive(Clone)]
pub struct Stopper {
    server: Arc<tiny_http::Server>,
}

impl Stopper {
    pub fn stop(&self) {
        for _ in 0..HANDLERS {
            self.server.unblock();
        }
    }
}

/// One more than the highest run number already in the results folder, so a restarted
/// workbench never reuses a folder.
fn first_free_number(results: &Path) -> u64 {
    let highest = std::fs::read_dir(results)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.split('-').next().and_then(|n| n.parse::<u64>().ok())
        })
        .max()
        .unwrap_or(0);
    highest + 1
}

fn answer(state: &State, mut request: tiny_http::Request) {
    let reply = route(state, &mut request);
    // Every body is whole in memory, so its length is known: sent with Content-Length rather
    // than chunked (tiny_http's choice above 32 KiB, which a catalogue of many scenarios passes),
    // so the simplest client can read it.
    let mut response = tiny_http::Response::from_data(reply.body).with_status_code(reply.status).with_chunked_threshold(usize::MAX);
    let mut headers = vec![
        ("Content-Type", reply.content_type.to_string()),
        ("Cache-Control", "no-store".to_string()),
        ("X-Content-Type-Options", "nosniff".to_string()),
        ("X-Frame-Options", "SAMEORIGIN".to_string()),
    ];
    headers.extend(reply.headers);
    for (name, value) in headers {
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    // A browser that went away before the answer is not the server's problem.
    let _ = request.respond(response);
}

fn header<'a>(request: &'a tiny_http::Request, name: &'static str) -> Option<&'a str> {
    request.headers().iter().find(|h| h.field.equiv(name)).map(|h| h.value.as_str())
}

/// Whether the `Host` a request names is this machine. A page on another site that points
/// its own name at 127.0.0.1 (DNS rebinding) sends its own name here, and is refused.
fn host_is_local(host: Option<&str>) -> bool {
    let Some(host) = host else { return false };
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    matches!(name, "localhost" | "[::1]") || name.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// Splits `/api/runs/0001-county/summary.json?download=1` into decoded path segments and the
/// query. A `%2F` decodes into its segment, where the names' own checks refuse it.
fn split_url(url: &str) -> (Vec<String>, String) {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let segments = path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
    (segments, query.to_string())
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn route(state: &State, request: &mut tiny_http::Request) -> Reply {
    if state.loopback_only && !host_is_local(header(request, "Host")) {
        return Reply::refuse(403, "this workbench answers only pages opened from this machine (http://127.0.0.1 or http://localhost)");
    }
    let method = request.method().clone();
    let (segments, query) = split_url(request.url());
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    // No name the API hands out has a `..`, `.` or separator in it: such a request is an
    // attempt to leave the folders, whatever it was aimed at.
    if segments.iter().any(|s| matches!(*s, ".." | ".") || s.contains(['/', '\\', '\0'])) {
        let what = if segments.first() == Some(&"api") && segments.get(1) == Some(&"runs") { "results" } else { "scenarios" };
        let folder = if what == "results" { state.results.shown() } else { state.scenarios.shown() };
        return Reply::error(&Error::OutsideFolder { requested: segments.join("/"), what, folder: folder.to_path_buf() });
    }
    use tiny_http::Method::{Get, Head, Post};
    match (&method, segments.as_slice()) {
        (Get | Head, []) => Reply {
            status: 200,
            content_type: "text/html; charset=utf-8",
            body: page::PAGE.as_bytes().to_vec(),
            headers: vec![("Content-Security-Policy", page::CONTENT_SECURITY_POLICY.to_string())],
        },
        (Get | Head, ["api", "scenarios"]) => Reply::json(200, &api::catalogue(&state.scenarios)),
        (Get | Head, ["api", "runs"]) => in_progress(state),
        (Post, ["api", "run"]) => post(request, |body| start_run(state, body)),
        (Post, ["api", "scenario"]) => post(request, |body| scenario(state, body)),
        (Get | Head, ["api", "runs", id]) => status(state, id),
        (Post, ["api", "runs", id, "cancel"]) => post(request, |_| cancel(state, id)),
        (Get | Head, ["api", "runs", id, file]) => run_file(state, id, file, query.split('&').any(|p| p == "download=1")),
        (
            _,
            [] | ["api", "scenarios"] | ["api", "run"] | ["api", "runs"] | ["api", "scenario"] | ["api", "runs", _] | ["api", "runs", _, _],
        ) => Reply::refuse(405, &format!("{method} is not used here; docs/workbench.md lists the requests")),
        _ => Reply::refuse(404, &format!("nothing here at {}; docs/workbench.md lists the requests", request.url())),
    }
}

/// Reads a JSON body and hands it on, refusing anything else.
fn post(request: &mut tiny_http::Request, handle: impl FnOnce(&[u8]) -> Reply) -> Reply {
    if !is_json(header(request, "Content-Type")) {
        return Reply::refuse(415, "send the request as JSON (Content-Type: application/json); docs/workbench.md shows every request");
    }
    let mut body = Vec::new();
    if request.as_reader().take(MAX_BODY + 1).read_to_end(&mut body).is_err() {
        return Reply::refuse(400, "the request body could not be read");
    }
    if body.len() as u64 > MAX_BODY {
        return Reply::refuse(413, "the request is larger than a scenario choice can be (1 MiB)");
    }
    handle(&body)
}

/// Whether a `Content-Type` is JSON: exactly the media type `application/json` (in any case, as
/// media types are), optionally followed by parameters such as `; charset=utf-8`. A type that
/// only starts with it (`application/jsonx`, `application/json-seq`) is another type, and a
/// request sent as one was not meant for this API.
fn is_json(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else { return false };
    let essence = content_type.split(';').next().unwrap_or_default();
    essence.trim().eq_ignore_ascii_case("application/json")
}

/// Scenario names become part of a run's folder name: letters, digits, `_` and `-`.
fn folder_safe(name: &str) -> String {
    let cleaned: String = name.chars().take(40).map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    if cleaned.is_empty() { "scenario".into() } else { cleaned }
}

/// `POST /api/run`: checks the request at once (a bad one is refused before it queues),
/// queues the run, and answers with `summary.json` when it ends, or at once with its id.
fn start_run(state: &State, body: &[u8]) -> Reply {
    let request: RunRequest = match api::parse_body(body) {
        Ok(request) => request,
        Err(error) => return Reply::error(&error),
    };
    let prepared = (|| -> Result<(Source, LoadedScenario, bool)> {
        let source = api::source(&state.scenarios, &request.scenario)?;
        let loaded = api::load(&source, request.models.as_deref(), &request.set)?;
        let fewer = api::chooses_differently(&source, request.models.as_deref())?;
        Ok((source, loaded, fewer))
    })();
    let (source, loaded, fewer) = match prepared {
        Ok(prepared) => prepared,
        Err(error) => return Reply::error(&error),
    };
    let run = {
        let mut runs = state.runs.lock().expect("the run table is never poisoned");
        let id = format!("{:04}-{}", runs.next_number, folder_safe(&loaded.scenario.name));
        runs.next_number += 1;
        let run = Arc::new(Run {
            id: id.clone(),
            scenario: source.id.clone(),
            started: AtomicBool::new(false),
            progress: Progress::default(),
            outcome: Mutex::new(None),
            finished: Condvar::new(),
        });
        runs.by_id.insert(id, Arc::clone(&run));
        run
    };
    let dir = state.results.root().join(&run.id);
    // The command that reproduces the run: the same overrides on the same file, or, when only
    // some models were chosen (the command line cannot), the resolved scenario the run writes.
    let arguments = if fewer {
        vec!["run".to_string(), state.results.shown().join(&run.id).join("scenario.ron").display().to_string()]
    } else {
        api::command_arguments(&source, &request.set)
    };
    let job = Job { run: Arc::clone(&run), loaded, arguments, dir };
    if state.queue.lock().expect("the queue is never poisoned").send(job).is_err() {
        return Reply::refuse(500, "the workbench's run worker has stopped; restart `joinedup serve`");
    }
    let location = format!("/api/runs/{}", run.id);
    if !request.wait {
        let mut reply = Reply::json(202, &json!({"id": run.id, "status": location}));
        reply.headers.push(("Location", location));
        return reply;
    }
    let mut outcome = run.outcome.lock().expect("a run's outcome is never poisoned");
    while outcome.is_none() {
        outcome = run.finished.wait(outcome).expect("a run's outcome is never poisoned");
    }
    match outcome.clone().expect("finished") {
        Outcome::Done { summary_json, .. } => Reply {
            status: 200,
            content_type: "application/json",
            body: summary_json.into_bytes(),
            headers: vec![("Location", location), ("X-Joinedup-Run", run.id.clone())],
        },
        Outcome::Failed { status, message, exit_code } => {
            Reply::json(status, &json!({"error": message, "exit_code": exit_code, "id": run.id}))
        }
        Outcome::Cancelled => {
            Reply::json(409, &json!({"error": CANCELLED, "exit_code": crate::error::EXIT_INTERRUPTED, "id": run.id, "state": "cancelled"}))
        }
    }
}

/// The worker's side of a run: the command line's steps, into the run's folder, then the
/// report. A panic (an engine bug) fails the run instead of leaving it running for ever. A
/// run cancelled while it waited is skipped; one cancelled while it runs stops its
/// replications and writes nothing (once its files are being written, it finishes).
fn execute(job: Job, threads: Option<usize>) {
    {
        let outcome = job.run.outcome.lock().expect("a run's outcome is never poisoned");
        if outcome.is_some() {
            return;
        }
        job.run.started.store(true, Ordering::Relaxed);
    }
    let cancelled = || job.run.progress.stop_requested();
    let work = || -> Result<Option<(String, Vec<String>)>> {
        let comparison = match experiment::run_with_progress(&job.loaded.scenario, threads, &job.run.progress) {
            Err(Error::Interrupted { .. }) if cancelled() => return Ok(None),
            other => other?,
        };
        if cancelled() {
            return Ok(None);
        }
        let resolved = job.loaded.resolved_ron();
        let mut files = output::run_files(&job.loaded.scenario, &comparison, &resolved);
        let summary = files.files[0].1.clone();
        files.files.push((provenance::FILE_NAME, Provenance::new(&job.loaded.scenario, &resolved, &job.arguments).to_json()));
        files.write(&job.dir)?;
        report::write(&job.dir, None, &report::today_utc())?;
        Ok(Some((summary, files.warnings)))
    };
    let outcome = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
        Ok(Ok(Some((summary_json, warnings)))) => Outcome::Done { summary_json, warnings },
        Ok(Ok(None)) => Outcome::Cancelled,
        Ok(Err(error)) => {
            let reply = Reply::error(&error);
            Outcome::Failed { status: reply.status, message: error.to_string(), exit_code: error.exit_code() }
        }
        Err(_) => Outcome::Failed {
            status: 500,
            message: "the simulation stopped on an internal error, which is a bug in joinedup; please report it with the scenario and the overrides".into(),
            exit_code: crate::error::EXIT_FAILED,
        },
    };
    job.run.finish(outcome);
}

/// `POST /api/runs/<id>/cancel`: stops one run (only this one: other planners' runs go on).
/// A queued run is dropped at once; a running one stops its replications within moments,
/// and the answer waits for that. Either way nothing is written. A finished run is left as
/// it is. The answer is the run's state, as `GET /api/runs/<id>` gives it.
fn cancel(state: &State, id: &str) -> Reply {
    if !paths::run_name_is_plain(id) {
        return Reply::error(&Error::OutsideFolder { requested: id.into(), what: "results", folder: state.results.shown().to_path_buf() });
    }
    let Some(run) = state.runs.lock().expect("the run table is never poisoned").by_id.get(id).cloned() else {
        // A run from before a restart has finished, or it does not exist.
        return status(state, id);
    };
    {
        let mut outcome = run.outcome.lock().expect("a run's outcome is never poisoned");
        if outcome.is_none() {
            run.progress.request_stop();
            if !run.started.load(Ordering::Relaxed) {
                *outcome = Some(Outcome::Cancelled);
                run.finished.notify_all();
            }
        }
    }
    let deadline = Instant::now() + CANCEL_WAIT;
    let mut outcome = run.outcome.lock().expect("a run's outcome is never poisoned");
    while outcome.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        outcome = run.finished.wait_timeout(outcome, left).expect("a run's outcome is never poisoned").0;
    }
    drop(outcome);
    status(state, id)
}

/// `GET /api/runs`: the runs not yet finished (queued or running), oldest first, with their
/// progress as `GET /api/runs/<id>` gives it, so a page opened (or reloaded) while a run goes on
/// can follow it, show its progress and cancel it. Finished runs are not listed: their folders
/// are in the results folder.
fn in_progress(state: &State) -> Reply {
    let mut runs: Vec<Arc<Run>> = state.runs.lock().expect("the run table is never poisoned").by_id.values().cloned().collect();
    // Run ids start with their number, so they sort in the order they were made (by the number,
    // as text would put run 10000 before run 9999).
    runs.sort_by_key(|run| run.id.split('-').next().and_then(|n| n.parse::<u64>().ok()));
    let listed: Vec<Value> = runs
        .iter()
        .filter(|run| run.outcome.lock().expect("a run's outcome is never poisoned").is_none())
        .map(|run| {
            json!({
                "id": run.id,
                "scenario": run.scenario,
                "state": if run.started.load(Ordering::Relaxed) { "running" } else { "queued" },
                "done": run.progress.done(),
                "total": run.progress.total(),
                "stopping": run.progress.stop_requested(),
                "status": format!("/api/runs/{}", run.id),
            })
        })
        .collect();
    Reply::json(200, &json!({"runs": listed}))
}

/// The run's folder, checked to be a plain name inside the results folder.
fn run_dir(state: &State, id: &str) -> Result<PathBuf> {
    if !paths::run_name_is_plain(id) {
        return Err(Error::OutsideFolder { requested: id.into(), what: "results", folder: state.results.shown().to_path_buf() });
    }
    state.results.existing(id).map_err(|error| match error {
        Error::NotFound { .. } => not_found_run(id),
        other => other,
    })
}

fn not_found_run(id: &str) -> Error {
    Error::NotFound {
        what: "run",
        name: id.into(),
        hint: "POST /api/run answers with the id of each run it starts; a run cancelled, or failed, before the workbench last started left no folder, so it is not found either.".into(),
    }
}

/// `GET /api/runs/<id>`: how far the run has got; when finished, its summary, the table
/// cells the page shows, and its files.
fn status(state: &State, id: &str) -> Reply {
    if !paths::run_name_is_plain(id) {
        return Reply::error(&Error::OutsideFolder { requested: id.into(), what: "results", folder: state.results.shown().to_path_buf() });
    }
    let run = state.runs.lock().expect("the run table is never poisoned").by_id.get(id).cloned();
    let files: Value = RUN_FILES.iter().map(|(name, _)| (name.to_string(), Value::String(format!("/api/runs/{id}/{name}")))).collect();
    let finished = |state_name: &str, summary_json: &str, warnings: &[String]| -> Reply {
        let summary: Value = serde_json::from_str(summary_json).unwrap_or(Value::Null);
        let table = run_dir(state, id).and_then(|dir| read::read(&dir)).map(|results| table(&results)).unwrap_or(Value::Null);
        Reply::json(200, &json!({"id": id, "state": state_name, "summary": summary, "table": table, "files": files, "warnings": warnings}))
    };
    match run {
        Some(run) => {
            let outcome = run.outcome.lock().expect("a run's outcome is never poisoned").clone();
            match outcome {
                Some(Outcome::Done { summary_json, warnings }) => finished("done", &summary_json, &warnings),
                Some(Outcome::Failed { message, exit_code, .. }) => {
                    Reply::json(200, &json!({"id": id, "state": "failed", "error": message, "exit_code": exit_code}))
                }
                Some(Outcome::Cancelled) => Reply::json(200, &json!({"id": id, "state": "cancelled", "message": CANCELLED})),
                None => Reply::json(
                    200,
                    &json!({
                        "id": id,
                        "state": if run.started.load(Ordering::Relaxed) { "running" } else { "queued" },
                        "done": run.progress.done(),
                        "total": run.progress.total(),
                        "stopping": run.progress.stop_requested(),
                    }),
                ),
            }
        }
        // A run from before the workbench restarted: finished if its folder holds a summary.
        None => match run_dir(state, id).and_then(|dir| std::fs::read_to_string(dir.join("summary.json")).map_err(|_| not_found_run(id))) {
            // Its warnings are those summary.json kept (none when the run had none, or was
            // made before summary.json kept them).
            Ok(summary_json) => {
                let warnings: Vec<String> = serde_json::from_str::<Value>(&summary_json)
                    .ok()
                    .and_then(|summary| serde_json::from_value(summary.get("warnings")?.clone()).ok())
                    .unwrap_or_default();
                finished("done", &summary_json, &warnings)
            }
            Err(error) => Reply::error(&error),
        },
    }
}

/// Every metric's cell as the report's table writes it ("12.3 [11.0, 13.6]"), model by
/// model, so the page shows the report's numbers without formatting its own; and the metrics
/// with a cell whose interval was shown from 0 (`report::table_cell`), for the page's footnote.
fn table(results: &read::Results) -> Value {
    let mut cut_at_zero = Vec::new();
    let rows: serde_json::Map<String, Value> = METRICS
        .iter()
        .enumerate()
        .map(|(m, def)| {
            let cells: Vec<Value> = results
                .models
                .iter()
                .map(|model| {
                    Value::String(match report::table_cell(m, model.summary[m]) {
                        Some(report::TableCell { mean, interval: Some((low, high)), cut_at_zero: cut }) => {
                            if cut && cut_at_zero.last() != Some(&def.name) {
                                cut_at_zero.push(def.name);
                            }
                            format!("{mean} [{low}, {high}]")
                        }
                        Some(report::TableCell { mean, interval: None, .. }) => mean,
                        None => "–".into(),
                    })
                })
                .collect();
            (def.name.to_string(), Value::Array(cells))
        })
        .collect();
    json!({
        "models": results.models.iter().map(|m| m.name.clone()).collect::<Vec<_>>(),
        "rows": rows,
        "cut_at_zero": cut_at_zero,
    })
}

/// `GET /api/runs/<id>/<file>`: one of the run's files, from its folder only.
fn run_file(state: &State, id: &str, file: &str, download: bool) -> Reply {
    let Some((name, content_type)) = RUN_FILES.iter().find(|(name, _)| *name == file) else {
        if file.contains("..") || file.contains('/') {
            return Reply::error(&Error::OutsideFolder {
                requested: format!("{id}/{file}"),
                what: "results",
                folder: state.results.shown().to_path_buf(),
            });
        }
        return Reply::error(&Error::NotFound {
            what: "run file",
            name: file.into(),
            hint: format!("a run has {}.", RUN_FILES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")),
        });
    };
    let read = run_dir(state, id).and_then(|_| state.results.existing(&format!("{id}/{name}"))).and_then(|path| {
        std::fs::read(&path).map_err(|_| Error::NotFound {
            what: "run file",
            name: format!("{id}/{name}"),
            hint: "the run has not finished writing it yet.".into(),
        })
    });
    match read {
        Ok(body) => {
            let mut headers = Vec::new();
            if download {
                headers.push(("Content-Disposition", format!("attachment; filename=\"{id}-{name}\"")));
            }
            if *name == report::FILE_NAME {
                // The report keeps its own policy (no fetches at all); this repeats it for browsers
                // that read only the header.
                headers.push((
                    "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
                        .into(),
                ));
            }
            Reply { status: 200, content_type, body, headers }
        }
        Err(error) => Reply::error(&error),
    }
}

/// `POST /api/scenario`: the scenario a request describes, as RON the command line runs;
/// with `save_as`, also written into the scenarios folder.
fn scenario(state: &State, body: &[u8]) -> Reply {
    let request: ScenarioRequest = match api::parse_body(body) {
        Ok(request) => request,
        Err(error) => return Reply::error(&error),
    };
    let saved = (|| -> Result<Value> {
        let source = api::source(&state.scenarios, &request.scenario)?;
        let (text, expanded) = api::scenario_text(&source, request.models.as_deref(), &request.set)?;
        let mut header = format!("// Saved from the joinedup workbench on {}: {}", report::today_utc(), source.label);
        if let Some(models) = &request.models {
            header.push_str(&format!(", models {}", models.join(", ")));
        }
        for assignment in &request.set {
            header.push_str(&format!("\n//   --set {assignment}"));
        }
        header.push('\n');
        let mut text = format!("{header}{text}");
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let mut file = Value::Null;
        if let Some(name) = &request.save_as {
            let name = paths::scenario_file_name(name, &state.scenarios)?;
            let path = state.scenarios.new_child(&name)?;
            if path.exists() && !request.overwrite {
                return Err(Error::BadArgument {
                    option: "save_as".into(),
                    message: format!(
                        "{} already exists; choose another name, or ask to replace it",
                        state.scenarios.shown().join(&name).display()
                    ),
                });
            }
            // What is saved must be what ran: read it back through the command line's loader.
            let shown = state.scenarios.shown().join(&name).display().to_string();
            crate::scenario::load_str(&shown, &text, &[])?;
            output::write_atomically(&path, text.as_bytes())?;
            file = json!({"id": name, "path": shown});
        }
        Ok(json!({"ron": text, "expanded": expanded, "saved": file}))
    })();
    match saved {
        Ok(value) => Reply::json(200, &value),
        Err(error) => Reply::error(&error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machine_is_a_local_host() {
        for local in ["127.0.0.1:8737", "localhost:1", "[::1]:80", "localhost", "127.0.0.2"] {
            assert!(host_is_local(Some(local)), "{local}");
        }
        for other in ["evil.example:8737", "192.168.1.2:8737", "localhost.evil.example", ""] {
            assert!(!host_is_local(Some(other)), "{other}");
        }
        assert!(!host_is_local(None));
    }

    #[test]
    fn urls_split_into_decoded_segments() {
        let (segments, query) = split_url("/api/runs/0001-county/report.html?download=1");
        assert_eq!(segments, ["api", "runs", "0001-county", "report.html"]);
        assert_eq!(query, "download=1");
        let (segments, _) = split_url("/api/runs/..%2F..%2Fetc/passwd");
        assert_eq!(segments, ["api", "runs", "../../etc", "passwd"]);
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%41%zz"), "A%zz");
    }

    #[test]
    fn only_json_is_json() {
        for json in [
            "application/json",
            "Application/JSON",
            " application/json ",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
        ] {
            assert!(is_json(Some(json)), "{json}");
        }
        for other in [
            "application/jsonx",
            "application/json-seq",
            "application/jsonp; charset=utf-8",
            "text/plain",
            "application/x-www-form-urlencoded",
            "",
        ] {
            assert!(!is_json(Some(other)), "{other}");
        }
        assert!(!is_json(None));
    }

    #[test]
    fn run_folders_get_plain_names() {
        assert_eq!(folder_safe("county"), "county");
        assert_eq!(folder_safe("../my plan"), "___my_plan");
        assert_eq!(folder_safe(""), "scenario");
    }
}
