//! The workbench's HTTP API, spoken to over a real socket: runs give the command line's files
//! byte for byte, bad input gets the command line's messages, and nothing outside the
//! scenarios and results folders can be read or written (`..`, absolute paths, links).
//!
//! The server runs in this process (`Workbench::start` on port 0); the command line it is
//! compared with is the real binary.

use joinedup::serve::{Config, Workbench};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A small, quick run: the example county, three replications of two years.
const QUICK: &[&str] = &["run.replications=3", "run.horizon_days=730"];

struct Served {
    address: SocketAddr,
    stopper: joinedup::serve::Stopper,
    dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stopper.stop();
    }
}

impl Served {
    fn scenarios(&self) -> PathBuf {
        self.dir.path().join("scenarios")
    }
    fn results(&self) -> PathBuf {
        self.dir.path().join("results")
    }
}

/// A workbench on a free port, with `small.ron` (the documentation's example) and a sweep
/// plan in its scenarios folder, and a file beside the folders that must stay out of reach.
fn serve() -> Served {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir_all(scenarios.join("sweeps")).expect("create the scenarios folder");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(repo.join("docs/examples/small.ron"), scenarios.join("small.ron")).expect("copy small.ron");
    std::fs::copy(repo.join("scenarios/sweeps/staffing_demand.ron"), scenarios.join("sweeps/plan.ron")).expect("copy a plan");
    std::fs::write(dir.path().join("outside.ron"), std::fs::read(repo.join("docs/examples/small.ron")).unwrap()).expect("write");
    let config =
        Config { scenarios: scenarios.clone(), results: dir.path().join("results"), port: 0, threads: Some(2), ..Config::default() };
    let workbench = Workbench::start(&config).expect("the workbench starts");
    let address = workbench.address();
    let stopper = workbench.stopper();
    std::thread::spawn(move || workbench.serve());
    Served { address, stopper, dir }
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    fn error(&self) -> String {
        self.json()["error"].as_str().expect("an error message").to_string()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request on its own connection, as a browser on this machine would send it.
fn request(address: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(address).expect("connect to the workbench");
    // A hung server must fail the test, not hang the suite.
    stream.set_read_timeout(Some(Duration::from_secs(300))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {address}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the answer");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    let headers = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    Answer { status, headers, body: raw[split + 4..].to_vec() }
}

fn get(s: &Served, path: &str) -> Answer {
    request(s.address, "GET", path, &[], b"")
}

fn post(s: &Served, path: &str, body: &Value) -> Answer {
    request(s.address, "POST", path, &[("Content-Type", "application/json")], body.to_string().as_bytes())
}

fn joinedup(args: &[String], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_joinedup")).args(args).current_dir(dir).output().expect("the joinedup binary starts")
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// `joinedup run` with `--set` for each override, into `out`; its stderr when it fails.
fn cli_run(scenario: &Path, sets: &[&str], out: &Path) -> Result<(), String> {
    let mut args = vec!["run".to_string(), scenario.display().to_string(), "--out".into(), out.display().to_string()];
    for set in sets {
        args.extend(["--set".to_string(), set.to_string()]);
    }
    let output = joinedup(&args, out.parent().unwrap());
    if output.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&output.stderr).into_owned()) }
}

#[test]
fn the_catalogue_lists_scenarios_with_their_levers_and_leaves_out_plans_and_links_out() {
    let s = serve();
    std::fs::write(s.scenarios().join("broken.ron"), "(name: \"broken\",").unwrap();
    std::os::unix::fs::symlink(s.dir.path().join("outside.ron"), s.scenarios().join("link.ron")).unwrap();
    let answer = get(&s, "/api/scenarios");
    assert_eq!(answer.status, 200);
    let catalogue = answer.json();
    let ids: Vec<&str> = catalogue["scenarios"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["county", "broken.ron", "small.ron"], "the plan and the link leading out are left out");
    let broken = &catalogue["scenarios"][1];
    assert!(broken["error"].as_str().unwrap().contains("broken.ron:1:"), "{broken}");
    let county = &catalogue["scenarios"][0];
    assert_eq!(county["file"], Value::Null);
    assert_eq!(county["population"]["presentations_per_family_year"], json!(0.26));
    let social_care = county["services"].as_array().unwrap().iter().find(|s| s["name"] == "social_care").unwrap();
    assert_eq!(social_care["staff"][0], json!({"profession": "social_worker", "n_practitioners": 50, "by_locality": {}}));
    // The page shows each locality's count as the engine places it: the written number for a
    // locality of average size times the locality's scale.
    let scales = county["locality_scales"].as_array().unwrap();
    assert_eq!(scales.len(), county["localities"].as_array().unwrap().len());
    let total: f64 = scales.iter().map(|s| s.as_f64().unwrap()).sum();
    assert!((total - scales.len() as f64).abs() < 1e-9, "the scales average 1: {scales:?}");
    let panel = county["models"].as_array().unwrap().iter().find(|m| m["name"] == "panel").unwrap();
    assert_eq!(panel["has_panel"], json!(true));
    assert_eq!(panel["preset"]["panel_cadence_days"], json!(14.0));
    let siloed = &county["models"][0];
    assert_eq!(siloed["has_panel"], json!(false));
    assert_eq!(siloed["conditions"]["shared_vision"], json!(false));
    let small = &catalogue["scenarios"][2];
    assert_eq!(small["models"][0]["units"][1]["staff"][0]["n_practitioners"], json!(12), "unit staffing for models without a preset");
    assert_eq!(catalogue["conditions"].as_array().unwrap().len(), 16);
    assert_eq!(catalogue["metrics"].as_array().unwrap().len(), joinedup::metrics::N_METRICS);
}

#[test]
fn a_run_through_the_api_writes_what_joinedup_run_writes_byte_for_byte() {
    let s = serve();
    let sets = [QUICK, &["models.hub.units.social_care.staff.0.n_practitioners=4"]].concat();
    let answer = post(&s, "/api/run", &json!({"scenario": "small.ron", "set": sets}));
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    let id = answer.header("X-Joinedup-Run").expect("the run's id").to_string();
    assert_eq!(answer.header("Location"), Some(format!("/api/runs/{id}").as_str()));
    let served = s.results().join(&id);

    // The command line, run from the folder the workbench was started in (the provenance
    // records the scenario's path as the workbench was given it).
    let cli = s.dir.path().join("cli");
    let mut args = strings(&["run", "scenarios/small.ron", "--out", "cli"]);
    for set in &sets {
        args.extend(["--set".to_string(), set.to_string()]);
    }
    let output = joinedup(&args, s.dir.path());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(answer.body, std::fs::read(cli.join("summary.json")).unwrap(), "the answer is summary.json");
    for file in ["summary.json", "replications.csv", "timeseries.csv", "scenario.ron"] {
        assert_eq!(std::fs::read(served.join(file)).unwrap(), std::fs::read(cli.join(file)).unwrap(), "{file} differs from joinedup run's");
    }
    // The warnings `joinedup run` prints after its table (four social workers cannot keep up)
    // come with the run's status, for the page to show.
    let cli_warnings: Vec<String> =
        String::from_utf8_lossy(&output.stderr).lines().filter_map(|l| l.strip_prefix("warning: ")).map(String::from).collect();
    assert!(!cli_warnings.is_empty(), "the run was meant to overload a unit");
    assert_eq!(get(&s, &format!("/api/runs/{id}")).json()["warnings"], json!(cli_warnings));
    // summary.json keeps them, so a workbench started again still shows them.
    let restarted = Workbench::start(&Config { results: s.results(), scenarios: s.scenarios(), port: 0, ..Config::default() }).unwrap();
    let (address, stopper) = (restarted.address(), restarted.stopper());
    std::thread::spawn(move || restarted.serve());
    let again = request(address, "GET", &format!("/api/runs/{id}"), &[], b"").json();
    stopper.stop();
    assert_eq!(again["warnings"], json!(cli_warnings), "the warnings after a restart");
    let provenance: Value = serde_json::from_slice(&std::fs::read(served.join("provenance.json")).unwrap()).unwrap();
    assert_eq!(provenance["arguments"][1], json!(s.scenarios().join("small.ron").display().to_string()));
    assert!(std::fs::read_to_string(served.join("report.html")).unwrap().contains("<figure class=\"chart\""));

    // Choosing models changes the list as a sweep plan's `models` does: in the order given.
    let answer = post(&s, "/api/run", &json!({"scenario": "small.ron", "models": ["hub"], "set": QUICK}));
    assert_eq!(answer.status, 200);
    let summary = answer.json();
    assert_eq!(summary["models"].as_array().unwrap().len(), 1);
    assert_eq!(summary["models"][0]["name"], "hub");
}

#[test]
fn a_run_can_be_followed_until_its_files_are_ready() {
    let s = serve();
    let answer = post(&s, "/api/run", &json!({"scenario": "small.ron", "set": QUICK, "wait": false}));
    assert_eq!(answer.status, 202);
    let id = answer.json()["id"].as_str().unwrap().to_string();
    assert_eq!(answer.header("Location"), Some(format!("/api/runs/{id}").as_str()));
    let status = loop {
        let status = get(&s, &format!("/api/runs/{id}")).json();
        match status["state"].as_str().unwrap() {
            "queued" | "running" => {
                assert!(status["done"].as_u64().unwrap() <= status["total"].as_u64().unwrap());
                std::thread::sleep(Duration::from_millis(50));
            }
            _ => break status,
        }
    };
    assert_eq!(status["state"], "done", "{status}");
    let summary = get(&s, &format!("/api/runs/{id}/summary.json"));
    assert_eq!(status["summary"], summary.json(), "the status carries the summary");
    assert_eq!(status["table"]["models"], json!(["siloed", "hub"]));
    let cell = status["table"]["rows"]["wait_service_start_days"][0].as_str().unwrap();
    let mean = summary.json()["models"][0]["metrics"]["wait_service_start_days"]["mean"].as_f64().unwrap();
    assert!(cell.starts_with(&format!("{} [", joinedup::output::human(mean))), "{cell}");
    let csv = get(&s, &format!("/api/runs/{id}/replications.csv?download=1"));
    assert_eq!(csv.status, 200);
    assert!(csv.header("Content-Disposition").unwrap().contains("attachment"));
    assert!(String::from_utf8_lossy(&csv.body).starts_with("model,replication,metric,value\n"));
    let report = get(&s, &format!("/api/runs/{id}/report.html"));
    assert_eq!(report.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert!(String::from_utf8_lossy(&report.body).contains("how the models compare"));
    // A finished run is still found after the workbench restarts, from its folder.
    let results = s.results();
    let restarted = Workbench::start(&Config { results, scenarios: s.scenarios(), port: 0, ..Config::default() }).unwrap();
    let (address, stopper) = (restarted.address(), restarted.stopper());
    std::thread::spawn(move || restarted.serve());
    let again = request(address, "GET", &format!("/api/runs/{id}"), &[], b"").json();
    stopper.stop();
    assert_eq!(again["state"], "done");
    assert_eq!(again["summary"], status["summary"]);
}

#[test]
fn the_tables_cells_show_an_interval_below_zero_from_zero_and_name_its_metrics() {
    let s = serve();
    // Two replications: Student's t at one degree of freedom (12.7) takes intervals below zero.
    let answer = post(&s, "/api/run", &json!({"scenario": "small.ron", "set": ["run.replications=2", "run.horizon_days=730"]}));
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    let summary = answer.json();
    let id = answer.header("X-Joinedup-Run").unwrap().to_string();
    let table = get(&s, &format!("/api/runs/{id}")).json()["table"].clone();
    let mut cut = Vec::new();
    for (i, model) in summary["models"].as_array().unwrap().iter().enumerate() {
        for def in joinedup::metrics::METRICS {
            let cell = table["rows"][def.name][i].as_str().unwrap();
            assert!(!cell.contains("[-"), "{} {}: {cell}", model["name"], def.name);
            // summary.json keeps the plain t-interval; the cell shows it from 0.
            if model["metrics"][def.name]["ci95_low"].as_f64().is_some_and(|low| low < 0.0) {
                assert!(cell.contains(" [0.000, "), "{} {}: {cell}", model["name"], def.name);
                if !cut.contains(&def.name) {
                    cut.push(def.name);
                }
            }
        }
    }
    assert!(!cut.is_empty(), "no interval went below zero, so this test shows nothing");
    let mut listed: Vec<&str> = table["cut_at_zero"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    listed.sort_unstable();
    cut.sort_unstable();
    assert_eq!(listed, cut, "the metrics with a cell shown from 0");
}

#[test]
fn bad_input_is_refused_with_the_command_lines_own_messages() {
    let s = serve();
    let small = s.scenarios().join("small.ron");
    let out = s.dir.path().join("not_written");
    for bad in ["run.replicatoins=3", "models.hub.units.hub.staff.0.n_practitioners=-1", "population.tier_mix=[0.5, 0.6, 0.1, 0.1]"] {
        let answer = post(&s, "/api/run", &json!({"scenario": "small.ron", "set": [bad]}));
        assert_eq!(answer.status, 400, "{bad}");
        assert_eq!(answer.json()["exit_code"], json!(2));
        let cli = cli_run(&small, &[bad], &out).expect_err("the command line refuses it too");
        assert_eq!(format!("error: {}\n", answer.error()), cli, "the workbench and joinedup run say different things about {bad}");
    }
    assert!(!out.exists());
    let answer = post(&s, "/api/run", &json!({"scenario": "small.ron", "models": ["hubb"]}));
    assert_eq!(answer.status, 400);
    assert!(answer.error().contains("did you mean `hub`?"), "{}", answer.error());
    let answer = post(&s, "/api/run", &json!({"scenario": "missing.ron"}));
    assert_eq!(answer.status, 404);
    let answer = post(&s, "/api/run", &json!({"scenario": "small.ron", "sets": []}));
    assert_eq!(answer.status, 400);
    assert!(answer.error().contains("unknown field `sets`"), "{}", answer.error());
    let answer = request(s.address, "POST", "/api/run", &[("Content-Type", "text/plain")], br#"{"scenario": "small.ron"}"#);
    assert_eq!(answer.status, 415, "only JSON, which another site's form cannot send");
    let answer = request(s.address, "GET", "/api/scenarios", &[("Host", "attacker.example:80")], b"");
    assert_eq!(answer.status, 403, "a page whose name points at this machine is refused");
    assert_eq!(get(&s, "/api/nothing").status, 404);
    assert_eq!(request(s.address, "DELETE", "/api/scenarios", &[], b"").status, 405);
    assert!(std::fs::read_dir(s.results()).unwrap().next().is_none(), "no refused request left a run folder");
}

#[test]
fn nothing_outside_the_scenarios_and_results_folders_can_be_read_or_written() {
    let s = serve();
    let outside = s.dir.path().join("outside.ron");
    std::os::unix::fs::symlink(&outside, s.scenarios().join("link.ron")).unwrap();
    std::os::unix::fs::symlink(s.dir.path(), s.scenarios().join("up")).unwrap();
    let escapes = [
        "../outside.ron".to_string(),
        "sweeps/../../outside.ron".to_string(),
        outside.display().to_string(),
        s.scenarios().join("small.ron").display().to_string(),
        "/etc/passwd".into(),
        "link.ron".into(),
        "up/outside.ron".into(),
    ];
    for escape in &escapes {
        for endpoint in ["/api/run", "/api/scenario"] {
            let answer = post(&s, endpoint, &json!({"scenario": escape}));
            assert_eq!(answer.status, 403, "{endpoint} {escape}: {}", String::from_utf8_lossy(&answer.body));
            assert!(answer.error().contains("is outside the scenarios folder"), "{}", answer.error());
        }
    }

    // Saving: only a plain name, directly in the scenarios folder.
    for (name, status) in [("../saved", 403), ("sweeps/saved", 403), ("/tmp/saved", 403), ("..", 403), ("my plan", 400), ("link", 403)] {
        let answer = post(&s, "/api/scenario", &json!({"scenario": "small.ron", "save_as": name, "overwrite": true}));
        assert_eq!(answer.status, status, "save_as {name}: {}", String::from_utf8_lossy(&answer.body));
    }
    assert!(!s.dir.path().join("saved.ron").exists() && !Path::new("/tmp/saved.ron").exists());
    assert_eq!(
        std::fs::read(&outside).unwrap(),
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/small.ron")).unwrap(),
        "the file behind the link is untouched"
    );

    // Results: run names are plain, files come from a fixed list, links out are refused.
    let secret = s.dir.path().join("secret");
    std::fs::create_dir_all(&secret).unwrap();
    std::fs::write(secret.join("summary.json"), "{\"secret\": true}").unwrap();
    std::fs::create_dir_all(s.results()).unwrap();
    std::os::unix::fs::symlink(&secret, s.results().join("0099-linked")).unwrap();
    for (path, status) in [
        ("/api/runs/0099-linked/summary.json", 403),
        ("/api/runs/0099-linked", 403),
        ("/api/runs/..%2Fsecret/summary.json", 403),
        ("/api/runs/%2e%2e/summary.json", 403),
        ("/api/runs/../secret/summary.json", 403),
        ("/api/runs/0001-small/..%2F..%2Fsecret%2Fsummary.json", 403),
        ("/api/runs/0001-small/passwd", 404),
        ("/api/runs/0001-small", 404),
    ] {
        let answer = get(&s, path);
        assert_eq!(answer.status, status, "{path}: {}", String::from_utf8_lossy(&answer.body));
        assert!(!String::from_utf8_lossy(&answer.body).contains("secret\": true"), "{path} read the file outside");
    }
}

#[test]
fn a_saved_scenario_keeps_its_presets_and_runs_to_the_same_numbers() {
    let s = serve();
    let sets = [
        "population.n_families=3000",
        "run.horizon_days=400",
        "run.warmup_days=100",
        "run.replications=2",
        "workforce.services.social_care.staff.0.n_practitioners=9",
    ];
    let request_body = json!({"scenario": "county", "models": ["siloed", "panel"], "set": sets});
    let mut save = request_body.clone();
    save["save_as"] = json!("fewer_social_workers");
    let answer = post(&s, "/api/scenario", &save);
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    let saved = answer.json();
    assert_eq!(saved["expanded"], json!(false), "the page's levers all exist before presets are expanded");
    assert_eq!(saved["saved"]["id"], "fewer_social_workers.ron");
    let file = s.scenarios().join("fewer_social_workers.ron");
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text, saved["ron"].as_str().unwrap());
    assert!(text.contains("preset: (") && text.contains("n_practitioners: 9"), "{text}");
    let again = post(&s, "/api/scenario", &save);
    assert_eq!(again.status, 400, "an existing file is replaced only when asked");
    assert!(again.error().contains("already exists"), "{}", again.error());
    save["overwrite"] = json!(true);
    assert_eq!(post(&s, "/api/scenario", &save).status, 200);

    // The saved file is in the catalogue, and the command line runs it to the workbench's numbers.
    let ids = get(&s, "/api/scenarios").json()["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert!(ids.contains(&"fewer_social_workers.ron".to_string()));
    let answer = post(&s, "/api/run", &request_body);
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    let cli = s.dir.path().join("cli_saved");
    cli_run(&file, &[], &cli).expect("the saved scenario runs");
    assert_eq!(answer.body, std::fs::read(cli.join("summary.json")).unwrap());

    // An override reaching into the units a preset builds can only be saved resolved.
    let resolved = post(
        &s,
        "/api/scenario",
        &json!({"scenario": "county", "models": ["siloed"], "set": ["models.siloed.units.camhs.professionals_per_intervention=2"]}),
    )
    .json();
    assert_eq!(resolved["expanded"], json!(true));
    assert_eq!(resolved["saved"], Value::Null, "without save_as nothing is written");
    assert!(!resolved["ron"].as_str().unwrap().contains("preset: ("));
}

#[test]
fn staffing_one_locality_through_the_api_saves_a_file_joinedup_run_gives_the_same_numbers() {
    let s = serve();
    let quick = ["population.n_families=3000", "run.horizon_days=400", "run.warmup_days=100", "run.replications=2"];
    let exact = [
        "workforce.services.social_care.staff.0.by_locality.north=9",
        r#"workforce.services.early_help.staff.0.by_locality={"south": 3, "west": 12}"#,
    ];
    let sets: Vec<&str> = quick.iter().chain(&exact).copied().collect();
    let models = ["siloed", "integrated_hub"];
    let answer = post(&s, "/api/run", &json!({"scenario": "county", "models": models, "set": sets}));
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    let with_exact = answer.json();
    let summary_bytes = answer.body.clone();
    let id = answer.header("X-Joinedup-Run").unwrap().to_string();
    let resolved = std::fs::read_to_string(s.results().join(&id).join("scenario.ron")).unwrap();
    assert!(resolved.contains("\"north\": 9") && resolved.contains("\"west\": 12"), "the run's scenario.ron lacks the counts");

    // The counts change what the run costs: they are not ignored.
    let plain = post(&s, "/api/run", &json!({"scenario": "county", "models": models, "set": quick})).json();
    let cost = |summary: &Value, m: usize| summary["models"][m]["metrics"]["staff_cost"]["mean"].as_f64().unwrap();
    for (m, model) in models.iter().enumerate() {
        assert_ne!(cost(&with_exact, m), cost(&plain, m), "{model}: the exact counts changed nothing");
    }

    // Saved, the file keeps the presets and the counts on the county's services, and the
    // command line runs it to the workbench's numbers, byte for byte.
    let answer = post(&s, "/api/scenario", &json!({"scenario": "county", "models": models, "set": sets, "save_as": "by_locality"}));
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    assert_eq!(answer.json()["expanded"], json!(false));
    let file = s.scenarios().join("by_locality.ron");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("preset: (") && text.contains("by_locality: {"), "{text}");
    let cli = s.dir.path().join("cli_by_locality");
    cli_run(&file, &[], &cli).expect("the saved scenario runs");
    assert_eq!(summary_bytes, std::fs::read(cli.join("summary.json")).unwrap());
    assert_eq!(
        std::fs::read(cli.join("replications.csv")).unwrap(),
        std::fs::read(s.results().join(&id).join("replications.csv")).unwrap()
    );

    // The catalogue offers the saved counts back to the page.
    let catalogue = get(&s, "/api/scenarios").json();
    let saved = catalogue["scenarios"].as_array().unwrap().iter().find(|x| x["id"] == "by_locality.ron").expect("listed");
    let early_help = saved["services"].as_array().unwrap().iter().find(|x| x["name"] == "early_help").unwrap();
    assert_eq!(early_help["staff"][0]["by_locality"], json!({"south": 3, "west": 12}));

    // A mistake is refused with the command line's message.
    let bad = "workforce.services.early_help.staff.0.by_locality.nrth=3";
    let answer = post(&s, "/api/run", &json!({"scenario": "county", "set": [bad]}));
    assert_eq!(answer.status, 400);
    assert!(
        answer.error().contains("workforce.services.early_help.staff.0.by_locality.nrth: `nrth` is not a locality; did you mean `north`?"),
        "{}",
        answer.error()
    );
}

/// Follows a run until `done(state)`; its last status.
fn follow(s: &Served, id: &str, until: impl Fn(&Value) -> bool) -> Value {
    let start = std::time::Instant::now();
    loop {
        let status = get(s, &format!("/api/runs/{id}")).json();
        if until(&status) {
            return status;
        }
        assert!(start.elapsed() < Duration::from_secs(300), "run {id} never got there: {status}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn start(s: &Served, body: Value) -> String {
    let answer = post(s, "/api/run", &body);
    assert_eq!(answer.status, 202, "{}", String::from_utf8_lossy(&answer.body));
    answer.json()["id"].as_str().unwrap().to_string()
}

/// A run long enough to be cancelled while it goes: the whole county, every model, for ten
/// years, many times over (minutes of work, stopped in moments).
fn long_run() -> Value {
    json!({"scenario": "county", "set": ["run.replications=40"], "wait": false})
}

#[test]
fn a_cancelled_run_stops_at_once_writes_nothing_and_leaves_other_runs_alone() {
    let s = serve();
    let long = start(&s, long_run());
    // Queued behind it: one that is cancelled before it starts, and one that must still run.
    let queued = start(&s, long_run());
    let other = start(&s, json!({"scenario": "small.ron", "set": QUICK, "wait": false}));
    follow(&s, &long, |status| status["state"] == "running" && status["total"].as_u64().unwrap() > 0);
    assert_eq!(get(&s, &format!("/api/runs/{queued}")).json()["state"], "queued");

    let answer = post(&s, &format!("/api/runs/{queued}/cancel"), &json!({}));
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["state"], "cancelled", "a queued run is dropped at once");

    // Someone waiting for the long run's summary hears that it was cancelled.
    let waiter = {
        let address = s.address;
        let body = json!({"scenario": "county", "set": ["run.replications=40"]});
        std::thread::spawn(move || {
            request(address, "POST", "/api/run", &[("Content-Type", "application/json")], body.to_string().as_bytes())
        })
    };
    assert_eq!(get(&s, &format!("/api/runs/{long}")).json()["state"], "running");
    let asked = std::time::Instant::now();
    let answer = post(&s, &format!("/api/runs/{long}/cancel"), &json!({}));
    let took = asked.elapsed();
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    let cancelled = answer.json();
    assert_eq!(cancelled["state"], "cancelled", "{cancelled}");
    assert!(cancelled["message"].as_str().unwrap().contains("nothing was written"), "{cancelled}");
    assert!(took < Duration::from_secs(10), "cancelling took {took:?}: the replications did not stop promptly");
    assert!(
        cancelled.get("done").is_none() && get(&s, &format!("/api/runs/{long}")).json()["state"] == "cancelled",
        "the run stays cancelled"
    );

    // The next run in the queue (not the cancelled one) goes ahead and finishes.
    let finished = follow(&s, &other, |status| !matches!(status["state"].as_str(), Some("queued" | "running")));
    assert_eq!(finished["state"], "done", "{finished}");

    // The waiter's run was queued behind those (runs are numbered in order: it is the
    // fourth); cancelled as it runs, its requester is answered 409.
    assert_eq!(long, "0001-county");
    let waiter_id = "0004-county";
    follow(&s, waiter_id, |status| status["state"] == "running");
    assert_eq!(post(&s, &format!("/api/runs/{waiter_id}/cancel"), &json!({})).json()["state"], "cancelled");
    let heard = waiter.join().unwrap();
    assert_eq!(heard.status, 409);
    assert!(heard.error().starts_with("cancelled:"), "{}", heard.error());

    // Nothing half-finished: only the finished run has a folder.
    let folders: Vec<String> =
        std::fs::read_dir(s.results()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(folders, [other.as_str()], "a cancelled run left files behind");

    // Cancelling a finished run leaves it as it is; an unknown one is not found.
    let answer = post(&s, &format!("/api/runs/{other}/cancel"), &json!({}));
    assert_eq!(answer.json()["state"], "done");
    assert_eq!(post(&s, "/api/runs/0099-nothing/cancel", &json!({})).status, 404);
    let answer = request(s.address, "POST", &format!("/api/runs/{other}/cancel"), &[("Content-Type", "text/plain")], b"");
    assert_eq!(answer.status, 415, "only JSON, which another site's page cannot send");
}

#[test]
fn only_a_json_content_type_is_taken_as_json() {
    let s = serve();
    let body = br#"{"scenario": "small.ron"}"#;
    // Types that merely start with `application/json` are other types, as is plain text.
    for other in ["application/jsonx", "application/json-seq", "application/jsonp; charset=utf-8", "text/plain"] {
        let answer = request(s.address, "POST", "/api/scenario", &[("Content-Type", other)], body);
        assert_eq!(answer.status, 415, "{other} was taken as JSON");
        assert!(answer.error().contains("Content-Type: application/json"), "{}", answer.error());
    }
    let answer = request(s.address, "POST", "/api/scenario", &[], body);
    assert_eq!(answer.status, 415, "a body without a Content-Type was taken as JSON");
    // JSON with parameters, in any case, is JSON.
    for json in ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"] {
        let answer = request(s.address, "POST", "/api/scenario", &[("Content-Type", json)], body);
        assert_eq!(answer.status, 200, "{json}: {}", String::from_utf8_lossy(&answer.body));
    }
}

#[test]
fn the_runs_under_way_are_listed_so_a_reloaded_page_can_follow_them() {
    let s = serve();
    let listed = |s: &Served| get(s, "/api/runs").json()["runs"].as_array().expect("a list of runs").clone();
    assert!(listed(&s).is_empty(), "no run yet");
    let long = start(&s, long_run());
    let queued = start(&s, json!({"scenario": "small.ron", "set": QUICK, "wait": false}));
    follow(&s, &long, |status| status["state"] == "running" && status["total"].as_u64().unwrap() > 0);
    let runs = listed(&s);
    let ids: Vec<&str> = runs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [long.as_str(), queued.as_str()], "oldest first: {runs:?}");
    assert_eq!(runs[0]["state"], "running");
    assert_eq!(runs[0]["scenario"], "county", "the scenario's id in the catalogue, as the request named it");
    assert!(runs[0]["total"].as_u64().unwrap() > 0 && runs[0]["done"].as_u64().unwrap() <= runs[0]["total"].as_u64().unwrap());
    assert_eq!(runs[0]["stopping"], false);
    assert_eq!(runs[0]["status"], format!("/api/runs/{long}"));
    assert_eq!(runs[1]["state"], "queued");
    assert_eq!(runs[1]["scenario"], "small.ron");

    // Cancelled or finished, a run is no longer under way.
    assert_eq!(post(&s, &format!("/api/runs/{long}/cancel"), &json!({})).json()["state"], "cancelled");
    let finished = follow(&s, &queued, |status| !matches!(status["state"].as_str(), Some("queued" | "running")));
    assert_eq!(finished["state"], "done", "{finished}");
    assert!(listed(&s).is_empty(), "finished and cancelled runs are still listed: {:?}", listed(&s));
    assert_eq!(request(s.address, "POST", "/api/runs", &[("Content-Type", "application/json")], b"{}").status, 405);
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = taken.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let config = Config { port, scenarios: dir.path().join("s"), results: dir.path().join("r"), ..Config::default() };
    let error = Workbench::start(&config).err().expect("the port is taken").to_string();
    assert!(error.starts_with(&format!("the workbench cannot serve on 127.0.0.1:{port}:")), "{error}");
    assert!(error.contains("Choose another --port"), "{error}");
}
