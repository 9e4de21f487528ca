//! The workbench in a real browser, clicked through as a planner would: `joinedup serve`
//! starts, headless Chromium opens the page, chooses a scenario, runs it, changes a staffing
//! lever, sees a bad override refused with the command line's message, runs again and sees
//! the charts change, then saves the scenario. It then starts a long run and cancels it
//! (nothing is written and the page is ready again), staffs one locality differently in the
//! staffing table, runs, and saves that too. The numbers on the page must be those of
//! `joinedup run` with the same settings (and of the saved files), byte for byte in
//! `summary.json`.
//!
//! A second test uses the page as a keyboard user would and as a planner who reloads it: the
//! skip link to Run, Enter (in a lever or on a scenario) and Ctrl+Enter to run, the focus back
//! on Run after Cancel, a lever's change kept when the arrow keys switch scenario and back, a run found and followed after a
//! reload (and after switching scenario while it goes), and a page no wider than a phone.
//!
//! Chromium is driven over its DevTools protocol (a WebSocket, `tungstenite`): clicks are
//! mouse events at an element's place on the screen and typing is key and text events, so
//! the page's own event handlers do the work, as they would for a person. Chromium is
//! Debian's `chromium`, installed by `.ci/test.sh`; without it this test fails, unless
//! JOINEDUP_SKIP_BROWSER=1 says to skip it (and it says so loudly).

use joinedup::metrics::METRICS;
use joinedup::report::compare::words_for;
use joinedup::scenario::{self, DEFAULT_COUNTY_LABEL, DEFAULT_COUNTY_RON, raw::RawScenario};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod browser;

/// How long anything may take before the test calls it hung. Far above what a step needs (a
/// run here takes seconds); it only stops a broken browser or server from hanging the suite.
const HANG: Duration = Duration::from_secs(300);
/// The staffing lever the test moves: social workers in each locality's social care team.
const LEVER: &str = "workforce.services.social_care.staff.0.n_practitioners";
/// The cell of the staffing table the test types in: social workers in the north's team.
const NORTH: &str = "workforce.services.social_care.staff.0.by_locality.north";

/// A child process ended (by its own id) when the test ends, passing or failing.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The DevTools protocol over one WebSocket, attached to one page.
struct Browser {
    socket: tungstenite::WebSocket<TcpStream>,
    session: String,
    next_id: u64,
    /// Script errors and console errors the page produced.
    problems: Vec<String>,
    /// The kinds of the dialogs the page opened (`beforeunload` when it asked before going),
    /// oldest first, until `leave` answers them.
    dialogs: Vec<String>,
}

impl Browser {
    fn connect(ws_url: &str) -> Browser {
        let address = ws_url.trim_start_matches("ws://").split('/').next().expect("host:port");
        let stream = TcpStream::connect(address).expect("connect to Chromium's DevTools");
        stream.set_read_timeout(Some(HANG)).unwrap();
        let (socket, _) = tungstenite::client(ws_url, stream).expect("the DevTools WebSocket handshake");
        let mut browser = Browser { socket, session: String::new(), next_id: 0, problems: Vec::new(), dialogs: Vec::new() };
        let targets = browser.call("Target.getTargets", json!({}));
        let page =
            targets["targetInfos"].as_array().unwrap().iter().find(|t| t["type"] == "page").expect("a page target")["targetId"].clone();
        let attached = browser.call("Target.attachToTarget", json!({"targetId": page, "flatten": true}));
        browser.session = attached["sessionId"].as_str().unwrap().to_string();
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            browser.call(domain, json!({}));
        }
        browser.call("Emulation.setDeviceMetricsOverride", json!({"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": false}));
        browser
    }

    /// Sends one command (to the page once attached) and returns its result, noting every
    /// error event that arrives meanwhile.
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(method, params);
        let reply = self.answer(id, false);
        assert!(reply.get("error").is_none(), "{method} failed: {}", reply["error"]);
        reply["result"].clone()
    }

    /// Sends one command without waiting for its answer; returns its id.
    fn send(&mut self, method: &str, params: Value) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            message["sessionId"] = json!(self.session);
        }
        self.socket.send(tungstenite::Message::Text(message.to_string().into())).expect("send to Chromium");
        id
    }

    /// Reads until the answer to command `id` arrives and returns it whole, noting every event
    /// meanwhile; `Value::Null` instead when `until_dialog` and the page opens a dialog first.
    fn answer(&mut self, id: u64, until_dialog: bool) -> Value {
        loop {
            let text = match self.socket.read().expect("Chromium answered in time") {
                tungstenite::Message::Text(text) => text.as_str().to_string(),
                _ => continue,
            };
            let reply: Value = serde_json::from_str(&text).expect("DevTools speaks JSON");
            if reply["id"] == json!(id) {
                return reply;
            }
            self.note(&reply);
            if until_dialog && reply["method"] == "Page.javascriptDialogOpening" {
                return Value::Null;
            }
        }
    }

    /// Goes to `url` (the workbench's own address: a reload) as a planner would, and says
    /// whether the page asked first (a `beforeunload` dialog). When it asks, the planner
    /// answers `go` (leave: the page loads again) or not (stay: the page is as it was). The
    /// old page is marked first, so that `wait_for` can tell the new one from it.
    fn leave(&mut self, url: &str, go: bool) -> bool {
        self.eval("window.leaving = true");
        let dialogs = self.dialogs.len();
        let navigate = self.send("Page.navigate", json!({"url": url}));
        // A page that asks holds the navigation, and its answer, until the dialog is answered.
        let reply = self.answer(navigate, true);
        if !reply.is_null() {
            assert!(reply.get("error").is_none(), "Page.navigate failed: {}", reply["error"]);
            return false;
        }
        assert_eq!(self.dialogs[dialogs..], ["beforeunload"], "the page opened another dialog than the one asking before it goes");
        self.call("Page.handleJavaScriptDialog", json!({"accept": go}));
        true
    }

    fn note(&mut self, event: &Value) {
        let params = &event["params"];
        match event["method"].as_str() {
            Some("Page.javascriptDialogOpening") => self.dialogs.push(params["type"].as_str().unwrap_or_default().to_string()),
            Some("Runtime.exceptionThrown") => self.problems.push(format!("script error: {}", params["exceptionDetails"])),
            Some("Runtime.consoleAPICalled") if params["type"] == "error" || params["type"] == "warning" => {
                self.problems.push(format!("console {}: {}", params["type"], params["args"]))
            }
            // The two refusals the test provokes (a 400 for a bad override, a 403 for a save
            // name outside the folder) are the only failed requests allowed.
            Some("Log.entryAdded")
                if params["entry"]["level"] == "error"
                    && !(params["entry"]["source"] == "network"
                        && params["entry"]["url"].as_str().is_some_and(|u| u.ends_with("/api/run") || u.ends_with("/api/scenario"))) =>
            {
                self.problems.push(format!("log: {} {}", params["entry"]["text"], params["entry"]["url"]))
            }
            _ => {}
        }
    }

    /// The value of a JavaScript expression in the page (promises awaited).
    fn eval(&mut self, expression: &str) -> Value {
        let result = self.call("Runtime.evaluate", json!({"expression": expression, "returnByValue": true, "awaitPromise": true}));
        assert!(result.get("exceptionDetails").is_none(), "`{expression}` threw: {}", result["exceptionDetails"]);
        result["result"]["value"].clone()
    }

    /// The value of a JavaScript expression in the page, or `None` while the page is between
    /// two documents (after a reload began, before the new page is there to ask).
    fn eval_unless_navigating(&mut self, expression: &str) -> Option<Value> {
        let id = self.send("Runtime.evaluate", json!({"expression": expression, "returnByValue": true, "awaitPromise": true}));
        let reply = self.answer(id, false);
        // Chromium says "Inspected target navigated or closed", or that the page's context was
        // destroyed or cannot be found, depending on the moment.
        if reply["error"]["message"].as_str().is_some_and(|m| m.contains("navigated or closed") || m.contains("context")) {
            return None;
        }
        assert!(reply.get("error").is_none(), "Runtime.evaluate failed: {}", reply["error"]);
        let result = &reply["result"];
        assert!(result.get("exceptionDetails").is_none(), "`{expression}` threw: {}", result["exceptionDetails"]);
        Some(result["result"]["value"].clone())
    }

    /// Waits until `condition` (a JavaScript expression, or a promise of one) is true.
    fn wait_for(&mut self, condition: &str) {
        let start = Instant::now();
        while self.eval_unless_navigating(&format!("Promise.resolve(({condition})).then(v => !!v)")) != Some(json!(true)) {
            let state = self.eval_unless_navigating("document.body ? document.body.dataset.state : ''");
            if state == Some(json!("error")) && !condition.contains("error") {
                panic!(
                    "the page shows an error while waiting for `{condition}`: {}",
                    self.eval("document.getElementById('error').textContent")
                );
            }
            assert!(start.elapsed() < HANG, "the page never reached `{condition}` (hung)");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Clicks the middle of the element `selector` names, as a mouse would.
    fn click(&mut self, selector: &str) {
        let place = self.eval(&format!(
            "(() => {{ const e = document.querySelector({s}); if (!e) return null; e.scrollIntoView({{block: 'center'}}); \
             const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()",
            s = json!(selector)
        ));
        let (x, y) = (place[0].as_f64().unwrap_or_else(|| panic!("nothing on the page matches {selector}")), place[1].as_f64().unwrap());
        self.call("Input.dispatchMouseEvent", json!({"type": "mouseMoved", "x": x, "y": y}));
        for kind in ["mousePressed", "mouseReleased"] {
            self.call("Input.dispatchMouseEvent", json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}));
        }
    }

    /// Clicks into a text or number box, selects what is there and types `text` over it.
    fn type_into(&mut self, selector: &str, text: &str) {
        self.click(selector);
        self.call("Input.dispatchKeyEvent", json!({"type": "rawKeyDown", "key": "a", "code": "KeyA", "modifiers": 2, "windowsVirtualKeyCode": 65, "commands": ["selectAll"]}));
        self.call(
            "Input.dispatchKeyEvent",
            json!({"type": "keyUp", "key": "a", "code": "KeyA", "modifiers": 2, "windowsVirtualKeyCode": 65}),
        );
        if text.is_empty() {
            self.call(
                "Input.dispatchKeyEvent",
                json!({"type": "rawKeyDown", "key": "Delete", "code": "Delete", "windowsVirtualKeyCode": 46}),
            );
            self.call("Input.dispatchKeyEvent", json!({"type": "keyUp", "key": "Delete", "code": "Delete", "windowsVirtualKeyCode": 46}));
        } else {
            self.call("Input.insertText", json!({"text": text}));
        }
    }

    /// Presses and releases one key (`Enter`, `Tab`, `ArrowUp`, `ArrowDown`) on whatever has the
    /// focus, with `modifiers` held (DevTools' bits: 2 is Ctrl), as a keyboard would.
    fn press(&mut self, key: &str, modifiers: u32) {
        let (code, text) = match key {
            "Enter" => (13, "\r"),
            "Tab" => (9, ""),
            "ArrowUp" => (38, ""),
            "ArrowDown" => (40, ""),
            other => panic!("the test does not know the key {other}"),
        };
        // A key that types a character is a `keyDown` with its text; one that does not is a
        // `rawKeyDown`, as Chromium's own input sends them.
        let down = if text.is_empty() || modifiers != 0 { "rawKeyDown" } else { "keyDown" };
        let mut event = json!({"type": down, "key": key, "code": key, "windowsVirtualKeyCode": code, "modifiers": modifiers});
        if down == "keyDown" {
            event["text"] = json!(text);
        }
        self.call("Input.dispatchKeyEvent", event);
        self.call(
            "Input.dispatchKeyEvent",
            json!({"type": "keyUp", "key": key, "code": key, "windowsVirtualKeyCode": code, "modifiers": modifiers}),
        );
    }

    /// Chooses `value` in the drop-down list `selector` names, as picking it would (the page
    /// hears the change).
    fn choose(&mut self, selector: &str, value: &str) {
        self.eval(&format!(
            "(() => {{ const s = document.querySelector({}); s.value = {}; s.dispatchEvent(new Event('change', {{bubbles: true}})); }})()",
            json!(selector),
            json!(value)
        ));
    }

    fn text(&mut self, selector: &str) -> String {
        self.eval(&format!("document.querySelector({}).textContent", json!(selector))).as_str().unwrap_or_default().to_string()
    }

    /// Clicks Run and waits for the report of a new run; returns the run's id.
    fn run(&mut self) -> String {
        let before = self.eval("document.body.dataset.runId || ''");
        self.click("#run");
        self.wait_for(&format!("document.body.dataset.state === 'done' && document.body.dataset.runId !== {before}"));
        self.eval("document.body.dataset.runId").as_str().unwrap().to_string()
    }

    /// The report's charts inside the page's frame: how many the report's own script counted
    /// and each one's rendered size, and the wait chart's drawing.
    fn charts(&mut self) -> (usize, Vec<(u32, u32)>, String) {
        let found = self.eval(
            "(() => { const d = document.getElementById('report').contentDocument; \
             return [Number(d.body.dataset.chartCount), d.querySelectorAll('figure.chart').length, \
               Array.from(d.querySelectorAll('figure.chart svg')).map(s => { const r = s.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; }), \
               d.querySelector('#chart-wait_service_start_days svg').outerHTML]; })()",
        );
        let counted = found[0].as_u64().expect("the report's script counted its charts") as usize;
        assert_eq!(counted, found[1].as_u64().unwrap() as usize, "the report's script saw a different number of charts");
        let sizes = found[2].as_array().unwrap().iter().map(|s| (s[0].as_u64().unwrap() as u32, s[1].as_u64().unwrap() as u32)).collect();
        (counted, sizes, found[3].as_str().unwrap().to_string())
    }
}

/// The default county made small enough to run in seconds in the test build: a tenth of the
/// families, and three of its models (two with panels to offer the panel levers).
fn small_county() -> String {
    let mut raw: RawScenario = scenario::parse(DEFAULT_COUNTY_LABEL, DEFAULT_COUNTY_RON).expect("the county parses");
    raw.name = "mini".into();
    raw.population.n_families = 10_000;
    raw.population.n_children = 18_000;
    raw.models.retain(|m| ["siloed", "integrated_hub", "panel"].contains(&m.name.as_str()));
    scenario::to_ron(&raw)
}

/// The small county with a locality service of seven professions: a staffing table wider than
/// the sidebar.
fn wide_county() -> String {
    let mut raw: RawScenario = scenario::parse("mini.ron", &small_county()).expect("mini parses");
    raw.name = "wide".into();
    let early_help = raw.workforce.services.iter_mut().find(|s| s.name == "early_help").expect("the county has early help");
    for profession in ["social_worker", "health_visitor", "school_nurse", "housing_officer", "education_welfare_officer"] {
        early_help.staff.push(scenario::raw::RawStaff {
            profession: profession.into(),
            n_practitioners: 2,
            by_locality: Default::default(),
        });
    }
    scenario::to_ron(&raw)
}

fn joinedup(args: &[String], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_joinedup")).args(args).current_dir(dir).output().expect("the joinedup binary starts")
}

/// A cell as the report's table writes it: mean [95% interval], scaled as the report scales,
/// the interval's lower end shown as 0 where it falls below (every metric is non-negative).
fn expected_cell(summary: &Value, model: usize, metric: &str) -> String {
    let m = METRICS.iter().position(|d| d.name == metric).expect("a metric");
    let scale = words_for(m).kind.scale();
    let v = &summary["models"][model]["metrics"][metric];
    let h = |key: &str| v[key].as_f64().map(|x| joinedup::output::human(if key == "ci95_low" && x <= 0.0 { 0.0 } else { x * scale }));
    match (h("mean"), h("ci95_low"), h("ci95_high")) {
        (Some(mean), Some(low), Some(high)) => format!("{mean} [{low}, {high}]"),
        (Some(mean), _, _) => mean,
        _ => "–".into(),
    }
}

/// A workbench serving `scenarios/mini.ron` from a temporary folder, and Chromium attached to
/// a blank page: the processes end (by their own ids) when this is dropped.
struct Opened {
    dir: tempfile::TempDir,
    url: String,
    b: Browser,
    _server: Killed,
    _browser: Killed,
}

fn open_workbench() -> Option<Opened> {
    let chromium = browser::chromium_or_skip("the workbench's browser test", "the page in a browser")?;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let work = dir.path();
    std::fs::create_dir_all(work.join("scenarios")).unwrap();
    std::fs::write(work.join("scenarios/mini.ron"), small_county()).unwrap();

    // The server, as a planner starts it, from the folder holding `scenarios/`.
    let mut server = Killed(
        Command::new(env!("CARGO_BIN_EXE_joinedup"))
            .args(["serve", "--port", "0"])
            .current_dir(work)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("joinedup serve starts"),
    );
    let mut first_line = String::new();
    BufReader::new(server.0.stdout.take().unwrap()).read_line(&mut first_line).expect("joinedup serve says where it listens");
    let url = first_line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {first_line:?}"))
        .to_string();

    // Chromium with its DevTools on a free port, which it announces on stderr.
    let mut browser_process = Killed(
        Command::new(&chromium)
            .args(browser::HEADLESS_FLAGS)
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", work.join("profile").display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium starts"),
    );
    let mut stderr = BufReader::new(browser_process.0.stderr.take().unwrap());
    let ws_url = loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).expect("read chromium's stderr") > 0, "chromium ended without opening its DevTools");
        if let Some(at) = line.find("ws://") {
            break line[at..].trim().to_string();
        }
    };
    // Keep reading Chromium's chatter, or a full pipe would stall it.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    let b = Browser::connect(&ws_url);
    Some(Opened { dir, url, b, _server: server, _browser: browser_process })
}

#[test]
fn a_planner_changes_a_lever_in_the_browser_and_sees_joinedup_runs_numbers() {
    let Some(opened) = open_workbench() else { return };
    let Opened { dir, url, mut b, _server, _browser } = opened;
    let work = dir.path();

    // Open the page and choose the scenario.
    b.call("Page.navigate", json!({"url": url}));
    b.wait_for("document.body && document.body.dataset.state === 'ready'");
    assert_eq!(
        b.eval("document.querySelector('input[name=scenario]:checked').value"),
        json!("county"),
        "the built-in county is chosen first"
    );
    b.click("input[name=scenario][value='mini.ron']");
    b.wait_for("document.querySelector('input[name=scenario]:checked').value === 'mini.ron'");
    let lever = format!("[data-path='{LEVER}']");
    b.wait_for(&format!("document.querySelector({})", json!(lever)));
    assert_eq!(b.eval("document.querySelectorAll('input[name=model]:checked').length"), json!(3), "all three models are ticked");
    assert!(
        b.eval("!!document.querySelector(\"[data-path='models.panel.preset.panel_cadence_days']\")") == json!(true),
        "the panel model offers its cadence"
    );
    let original: u32 = b.eval(&format!("document.querySelector({}).value", json!(lever))).as_str().unwrap().parse().unwrap();
    assert_eq!(original, 50);

    // A first run, then the lever: far fewer social workers in every locality.
    let first = b.run();
    let (n_charts, _, first_chart) = b.charts();
    assert!(n_charts >= 21 + 3 + 8, "expected a chart per metric, wait and monthly series; found {n_charts}");
    b.type_into(&lever, "4");
    let command = b.text("#command");
    assert!(command.contains(&format!("--set {LEVER}=4")), "the page's command does not show the lever: {command}");

    // A bad override typed into the advanced box is refused with the command line's words.
    b.click("#advanced > summary");
    b.type_into("#extra-sets", "run.replicatoins=3");
    b.click("#run");
    b.wait_for("document.body.dataset.state === 'error'");
    let shown_error = b.text("#error");
    let check = joinedup(&["check".into(), "scenarios/mini.ron".into(), "--set".into(), "run.replicatoins=3".into()], work);
    assert_eq!(
        format!("error: {shown_error}\n"),
        String::from_utf8_lossy(&check.stderr),
        "the page and the command line say different things"
    );
    b.type_into("#extra-sets", "");

    // The run with the lever moved: new numbers, new charts.
    let second = b.run();
    assert_ne!(first, second);
    let (n_after, sizes, second_chart) = b.charts();
    assert_eq!(n_after, n_charts);
    for (width, height) in sizes {
        assert!(width >= 200 && height >= 100, "a chart rendered at {width}x{height}: too small to read");
    }
    assert_ne!(first_chart, second_chart, "the wait chart did not change with far fewer social workers");

    // The same settings on the command line: the lever and the page's quick run settings.
    let replications_text = b.eval("document.querySelector(\"[data-path='run.replications']\").value").as_str().unwrap().to_string();
    let years: f64 = b.eval("document.querySelector(\"[data-path='run.horizon_days']\").value").as_str().unwrap().parse().unwrap();
    let sets = [format!("{LEVER}=4"), format!("run.replications={replications_text}"), format!("run.horizon_days={}", years * 365.25)];
    for set in &sets {
        assert!(command.contains(&format!("--set {set}")) || set.starts_with(LEVER), "the page's command lacks {set}: {command}");
    }
    let mut args: Vec<String> = vec!["run".into(), "scenarios/mini.ron".into(), "--out".into(), "cli".into()];
    for set in &sets {
        args.extend(["--set".to_string(), set.clone()]);
    }
    let cli = joinedup(&args, work);
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    let served = work.join("results/workbench").join(&second);
    for file in ["summary.json", "replications.csv", "timeseries.csv", "scenario.ron"] {
        assert_eq!(
            std::fs::read(served.join(file)).unwrap(),
            std::fs::read(work.join("cli").join(file)).unwrap(),
            "the page's {file} is not joinedup run's"
        );
    }
    let summary: Value = serde_json::from_slice(&std::fs::read(work.join("cli/summary.json")).unwrap()).unwrap();
    assert!(same_numbers(&b.eval("window.lastSummary"), &summary), "the summary the page received is not joinedup run's");

    // The numbers shown: the page's key numbers and the report's table.
    let cells = b.eval("Array.from(document.querySelectorAll('#headline-table td')).map(td => [td.dataset.model, td.dataset.metric, td.querySelector('.now').textContent, (td.querySelector('.was') || {}).textContent || ''])");
    let cells = cells.as_array().unwrap();
    assert!(cells.len() >= 3 * 5, "too few key numbers shown: {cells:?}");
    let models: Vec<&str> = summary["models"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    for cell in cells {
        let model = models.iter().position(|m| *m == cell[0].as_str().unwrap()).expect("a model of the run");
        let metric = cell[1].as_str().unwrap();
        assert_eq!(cell[2].as_str().unwrap(), expected_cell(&summary, model, metric), "{} {metric}", models[model]);
        assert!(cell[3].as_str().unwrap().starts_with("was "), "the previous run is shown beside each number");
    }
    let report_rows = b.eval("Array.from(document.getElementById('report').contentDocument.querySelectorAll('#table tbody tr')).map(tr => Array.from(tr.querySelectorAll('td')).map(td => td.textContent))");
    for (m, row) in report_rows.as_array().unwrap().iter().enumerate() {
        for (model, cell) in row.as_array().unwrap().iter().enumerate() {
            assert_eq!(
                cell.as_str().unwrap(),
                expected_cell(&summary, model, METRICS[m].name),
                "the report's {} for {}",
                METRICS[m].name,
                models[model]
            );
        }
    }

    // A name the folder cannot take is refused beside the Save button, where the planner is
    // looking, not in the error box at the top of the page.
    b.type_into("#save-name", "a/b");
    b.click("#save-button");
    b.wait_for("document.getElementById('save-message').className === 'refused'");
    assert!(b.text("#save-message").contains("a/b"), "{}", b.text("#save-message"));

    // Save the scenario; the command line runs the saved file to the same numbers.
    b.type_into("#save-name", "fewer_social_workers");
    b.click("#save-button");
    b.wait_for("document.getElementById('save-message').textContent.startsWith('Saved as')");
    b.wait_for("!!document.querySelector(\"input[name=scenario][value='fewer_social_workers.ron']\")");
    // The saved file keeps its own run settings (the page's quick ones are for looking), so
    // the command line gives the page's numbers with the quick settings the page ran.
    let quick_sets = [format!("run.replications={replications_text}"), format!("run.horizon_days={}", years * 365.25)];
    let quick_args = quick_sets.iter().flat_map(|set| ["--set".to_string(), set.clone()]);
    let mut args: Vec<String> = vec!["run".into(), "scenarios/fewer_social_workers.ron".into(), "--out".into(), "cli_saved".into()];
    args.extend(quick_args.clone());
    let saved = joinedup(&args, work);
    assert!(saved.status.success(), "{}", String::from_utf8_lossy(&saved.stderr));
    assert_eq!(std::fs::read(work.join("cli_saved/summary.json")).unwrap(), std::fs::read(served.join("summary.json")).unwrap());

    // Downloads: the tidy CSV from the run's links, and the scenario as a file, land in the
    // browser's download folder with the run's and the saved file's contents.
    let downloads = work.join("downloads");
    b.call("Browser.setDownloadBehavior", json!({"behavior": "allow", "downloadPath": downloads.display().to_string()}));
    b.click("#downloads a[download$='replications.csv']");
    let csv = downloads.join(format!("{second}-replications.csv"));
    wait_for_file(&csv);
    assert_eq!(std::fs::read(&csv).unwrap(), std::fs::read(served.join("replications.csv")).unwrap());
    b.click("#download-ron");
    let ron = downloads.join("fewer_social_workers.ron");
    wait_for_file(&ron);
    let without_date = |text: String| text.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(
        without_date(std::fs::read_to_string(&ron).unwrap()),
        without_date(std::fs::read_to_string(work.join("scenarios/fewer_social_workers.ron")).unwrap()),
        "the downloaded scenario is not the saved one"
    );

    // A long run, cancelled while it goes: the page says so, nothing is written, and the
    // page is ready for the next run.
    let replications = "[data-path='run.replications']";
    let folders = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(work.join("results/workbench"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before_cancel = folders();
    b.type_into(replications, "500");
    b.click("#run");
    b.wait_for("document.body.dataset.state === 'running' && !document.getElementById('cancel').hidden && !document.getElementById('progress').hidden");
    b.click("#cancel");
    b.wait_for("document.body.dataset.state === 'cancelled'");
    assert!(b.text("#status").starts_with("Cancelled"), "{}", b.text("#status"));
    assert_eq!(b.eval("document.getElementById('run').disabled"), json!(false), "Run is usable again");
    assert_eq!(b.eval("document.getElementById('cancel').hidden"), json!(true));
    assert_eq!(b.eval("document.getElementById('progress').hidden"), json!(true));
    assert_eq!(folders(), before_cancel, "the cancelled run left a folder behind");
    b.type_into(replications, &replications_text);

    // One locality staffed differently in the staffing table. Cells the file does not set
    // follow the average (now 4) as the engine scales it.
    let scenario = scenario::load_str("mini.ron", &small_county(), &[]).expect("mini loads");
    let scales = scenario::locality_scales(&scenario.raw.population.localities);
    let localities = &scenario.scenario.population.locality_names;
    for (l, locality) in localities.iter().enumerate() {
        let cell = format!("[data-path='workforce.services.social_care.staff.0.by_locality.{locality}']");
        let shown = b.eval(&format!("document.querySelector({}).value", json!(cell)));
        assert_eq!(shown, json!(joinedup::model::scaled_staff(4, scales[l]).to_string()), "{locality}'s cell");
    }
    let north = format!("[data-path='{NORTH}']");
    b.type_into(&north, "12");
    let command = b.text("#command");
    assert!(command.contains(&format!("--set {NORTH}=12")), "the page's command lacks the north's count: {command}");
    assert_eq!(command.matches("by_locality").count(), 1, "only the cell typed in is sent: {command}");
    let third = b.run();
    let third_dir = work.join("results/workbench").join(&third);
    let cost_cell = b.eval("(() => { const td = document.querySelector(\"#headline-table td[data-model='siloed'][data-metric='staff_cost']\"); return [td.querySelector('.now').textContent, td.querySelector('.was').textContent]; })()");
    assert_ne!(
        format!("was {}", cost_cell[0].as_str().unwrap()),
        cost_cell[1].as_str().unwrap(),
        "the cost did not change with eight more social workers in the north"
    );
    let sets = [
        format!("{LEVER}=4"),
        format!("{NORTH}=12"),
        format!("run.replications={replications_text}"),
        format!("run.horizon_days={}", years * 365.25),
    ];
    let mut args: Vec<String> = vec!["run".into(), "scenarios/mini.ron".into(), "--out".into(), "cli_north".into()];
    for set in &sets {
        args.extend(["--set".to_string(), set.clone()]);
    }
    let cli = joinedup(&args, work);
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    for file in ["summary.json", "replications.csv", "timeseries.csv", "scenario.ron"] {
        assert_eq!(
            std::fs::read(third_dir.join(file)).unwrap(),
            std::fs::read(work.join("cli_north").join(file)).unwrap(),
            "with the north's count, the page's {file} is not joinedup run's"
        );
    }
    let summary: Value = serde_json::from_slice(&std::fs::read(work.join("cli_north/summary.json")).unwrap()).unwrap();
    let shown = b.eval("Array.from(document.querySelectorAll('#headline-table td')).map(td => [td.dataset.model, td.dataset.metric, td.querySelector('.now').textContent])");
    for cell in shown.as_array().unwrap() {
        let model = models.iter().position(|m| *m == cell[0].as_str().unwrap()).expect("a model of the run");
        let metric = cell[1].as_str().unwrap();
        assert_eq!(cell[2].as_str().unwrap(), expected_cell(&summary, model, metric), "{} {metric} with the north's count", models[model]);
    }
    // Saved, the count is in the file, and the command line runs it to the same numbers.
    b.type_into("#save-name", "north_staffed");
    b.click("#save-button");
    b.wait_for("document.getElementById('save-message').textContent.includes('north_staffed')");
    let saved_text = std::fs::read_to_string(work.join("scenarios/north_staffed.ron")).unwrap();
    assert!(saved_text.contains("by_locality: {") && saved_text.contains("\"north\": 12"), "{saved_text}");
    let mut args: Vec<String> = vec!["run".into(), "scenarios/north_staffed.ron".into(), "--out".into(), "cli_north_saved".into()];
    args.extend(quick_args);
    let saved = joinedup(&args, work);
    assert!(saved.status.success(), "{}", String::from_utf8_lossy(&saved.stderr));
    assert_eq!(std::fs::read(work.join("cli_north_saved/summary.json")).unwrap(), std::fs::read(third_dir.join("summary.json")).unwrap());

    // A restructure, as the page writes it, is an override the command line takes: the
    // integrated hub in two localities from the second year.
    b.choose(".restructure[data-model='siloed'] .restructure-to", "integrated_hub");
    b.type_into(".restructure[data-model='siloed'] .restructure-day", "366");
    for place in ["north_east", "east", "south_east", "south", "south_west", "central"] {
        b.click(&format!(".restructure[data-model='siloed'] .localities input[value='{place}']"));
    }
    let restructure = r#"models.siloed.restructure=(day: 366, to: (name: "integrated_hub"), localities: ["north","west"])"#;
    let command = b.text("#command");
    assert!(command.contains(&joinedup::provenance::shell_quote(restructure)), "the page's command lacks the restructure: {command}");
    let check = joinedup(&["check".into(), "scenarios/mini.ron".into(), "--set".into(), restructure.into()], work);
    assert!(check.status.success(), "the command line refuses the page's restructure: {}", String::from_utf8_lossy(&check.stderr));

    b.eval("document.getElementById('results').scrollIntoView()");
    let shot = b.call("Page.captureScreenshot", json!({"format": "png", "captureBeyondViewport": false}));
    let png = base64_decode(shot["data"].as_str().unwrap());
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let out = browser::output_dir("workbench").join("workbench.png");
    std::fs::write(&out, png).unwrap();
    assert!(b.problems.is_empty(), "the page logged errors:\n{}", b.problems.join("\n"));
    eprintln!("screenshot kept in {}", out.display());
}

/// DevTools' bit for the Ctrl key held.
const CTRL: u32 = 2;

#[test]
fn the_page_works_from_the_keyboard_keeps_each_scenarios_levers_and_finds_a_run_after_a_reload() {
    let Some(opened) = open_workbench() else { return };
    let Opened { dir, url, mut b, _server, _browser } = opened;
    std::fs::write(dir.path().join("scenarios/wide.ron"), wide_county()).unwrap();
    b.call("Page.navigate", json!({"url": url}));
    b.wait_for("document.body && document.body.dataset.state === 'ready'");

    // The first Tab reaches "Skip to Run", past every lever; Enter on it puts the focus on
    // Run, and the focus is plain to see.
    b.press("Tab", 0);
    assert_eq!(b.eval("document.activeElement.id"), json!("skip-to-run"), "the first Tab does not reach the skip link");
    b.press("Enter", 0);
    assert_eq!(b.eval("document.activeElement.id"), json!("run"), "the skip link does not lead to Run");
    assert_eq!(b.eval("getComputedStyle(document.activeElement).outlineWidth"), json!("3px"), "the focus on Run is not shown");

    // A lever changed, then another scenario chosen with the arrow keys (as a radio group
    // does) and this one again: the change is still there, and the list says it is kept.
    b.click("input[name=scenario][value='mini.ron']");
    b.wait_for("document.querySelector('input[name=scenario]:checked').value === 'mini.ron'");
    let lever = format!("[data-path='{LEVER}']");
    let lever_js = json!(lever);
    b.type_into(&lever, "7");
    b.click("input[name=scenario][value='mini.ron']");
    b.press("ArrowUp", 0);
    b.wait_for("document.querySelector('input[name=scenario]:checked').value === 'county'");
    assert_ne!(b.eval(&format!("document.querySelector({lever_js}).value")), json!("7"), "the county shows mini's levers");
    assert!(b.text("#status").contains("Your changes to mini.ron are kept"), "{}", b.text("#status"));
    assert!(
        b.text("input[name=scenario][value='mini.ron'] + .kept").contains("changes kept"),
        "the list does not say mini's changes are kept"
    );
    b.press("ArrowDown", 0);
    b.wait_for("document.querySelector('input[name=scenario]:checked').value === 'mini.ron'");
    assert_eq!(b.eval(&format!("document.querySelector({lever_js}).value")), json!("7"), "switching scenario lost the change to a lever");
    assert!(b.text("#command").contains(&format!("--set {LEVER}=7")), "{}", b.text("#command"));
    assert!(b.text("#status").contains("earlier changes to this scenario are back"), "{}", b.text("#status"));

    // A staffing table wider than the sidebar scrolls inside it rather than widening it.
    b.click("input[name=scenario][value='wide.ron']");
    b.wait_for("document.querySelector('input[name=scenario]:checked').value === 'wide.ron'");
    let sidebar = "(() => { const a = document.getElementById('controls'); return [a.scrollWidth, a.clientWidth]; })()";
    let widths = b.eval(sidebar);
    assert!(widths[0].as_u64() <= widths[1].as_u64(), "the sidebar's content is wider than the sidebar: {widths}");
    b.click("input[name=scenario][value='mini.ron']");
    b.wait_for(&format!(
        "document.querySelector('input[name=scenario]:checked').value === 'mini.ron' && document.querySelector({lever_js}).value === '7'"
    ));

    // Enter in a lever runs; the focus stays in the lever.
    b.click(&lever);
    b.press("Enter", 0);
    b.wait_for("document.body.dataset.state === 'done' && !!document.body.dataset.runId");
    let first = b.eval("document.body.dataset.runId");
    assert_eq!(b.eval("document.activeElement.dataset.path"), json!(LEVER));
    // Ctrl+Enter runs from anywhere, here the file name box.
    b.click("#save-name");
    b.press("Enter", CTRL);
    b.wait_for(&format!("document.body.dataset.state === 'done' && document.body.dataset.runId !== {first}"));
    let second = b.eval("document.body.dataset.runId");
    // Enter on a scenario in the list, reached with the arrow keys, runs it; the focus stays there.
    b.click("input[name=scenario][value='mini.ron']");
    b.press("ArrowUp", 0);
    b.wait_for("document.querySelector('input[name=scenario]:checked').value === 'county'");
    b.press("ArrowDown", 0);
    b.wait_for("document.querySelector('input[name=scenario]:checked').value === 'mini.ron' && document.body.dataset.state === 'ready'");
    b.press("Enter", 0);
    b.wait_for(&format!("document.body.dataset.state === 'done' && document.body.dataset.runId !== {second}"));
    assert_eq!(b.eval("document.activeElement.name + ' ' + document.activeElement.value"), json!("scenario mini.ron"));
    assert!(b.text("#command").contains(&format!("--set {LEVER}=7")), "Enter did not run mini as its levers stand: {}", b.text("#command"));

    // The page's run queued behind a long one another page started; reloaded, the page finds
    // its own run (not the other) and shows it waiting, with Cancel; switching scenario leaves
    // it shown; once the long one is cancelled, the page shows its results.
    let long = b.eval(
        "fetch('/api/run', {method: 'POST', headers: {'Content-Type': 'application/json'}, \
         body: JSON.stringify({scenario: 'mini.ron', set: ['run.replications=500'], wait: false})}).then(r => r.json()).then(j => j.id)",
    );
    let long = long.as_str().expect("the long run's id").to_string();
    b.wait_for(&format!("fetch('/api/runs/{long}').then(r => r.json()).then(s => s.state === 'running')"));
    b.click("#run");
    b.wait_for("document.body.dataset.state === 'running' && !!document.body.dataset.activeRun && document.getElementById('status').textContent.startsWith('Waiting')");
    let mine = b.eval("document.body.dataset.activeRun").as_str().unwrap().to_string();
    // Mini's lever change is in no file, so the page asks before the reload loses it.
    assert!(b.leave(&url, true), "the page did not ask before a reload lost a lever change");
    b.wait_for(&format!(
        "document.body && document.body.dataset.state === 'running' && document.body.dataset.activeRun === {} \
         && document.getElementById('status').textContent.includes('started before this page was opened') \
         && !document.getElementById('cancel').hidden",
        json!(mine)
    ));
    assert_eq!(b.eval("document.getElementById('run').disabled"), json!(true), "Run is offered while a run goes on");
    b.click("input[name=scenario][value='county']");
    b.wait_for("document.querySelector('input[name=scenario]:checked').value === 'county'");
    assert_eq!(b.eval("document.body.dataset.state"), json!("running"), "choosing a scenario lost sight of the run");
    assert_eq!(b.eval("document.getElementById('cancel').hidden"), json!(false));
    assert_eq!(b.eval("document.getElementById('run').disabled"), json!(true));
    let cancelled = b.eval(&format!(
        "fetch('/api/runs/{long}/cancel', {{method: 'POST', headers: {{'Content-Type': 'application/json'}}, body: '{{}}'}}).then(r => r.json()).then(s => s.state)"
    ));
    assert_eq!(cancelled, json!("cancelled"));
    b.wait_for(&format!("document.body.dataset.state === 'done' && document.body.dataset.runId === {}", json!(mine)));
    assert_eq!(b.eval("document.getElementById('results').hidden"), json!(false));
    assert!(b.text("#run-label").contains(&mine), "{}", b.text("#run-label"));

    // A restructure whose day box is empty is explained in words, not quoted back whole.
    let to = ".restructure[data-model='siloed'] .restructure-to";
    b.choose(to, "integrated_hub");
    b.type_into(".restructure[data-model='siloed'] .restructure-day", "");
    b.click("#run");
    b.wait_for("document.body.dataset.state === 'error'");
    let error = b.text("#error");
    assert!(error.starts_with("The restructure of siloed has no day"), "{error}");
    assert!(!error.contains("(day:"), "the message quotes the restructure: {error}");
    b.choose(to, "");

    // A long run cancelled: the focus goes back to Run, not to the top of the page.
    b.type_into("[data-path='run.replications']", "500");
    b.click("#run");
    b.wait_for("document.body.dataset.state === 'running' && !document.getElementById('cancel').hidden && !document.getElementById('progress').hidden");
    b.click("#cancel");
    b.wait_for("document.body.dataset.state === 'cancelled'");
    assert_eq!(b.eval("document.activeElement.id"), json!("run"), "the focus was lost after Cancel");

    // On a phone, nothing is wider than the screen.
    b.call("Emulation.setDeviceMetricsOverride", json!({"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true}));
    b.wait_for("window.innerWidth === 390");
    // (Measured against the screen: a mobile browser widens its window to fit a page too wide.)
    let width = b.eval("document.documentElement.scrollWidth");
    assert!(width.as_u64().is_some_and(|w| w <= 390), "the page is {width} pixels wide on a phone 390 wide");
    assert!(b.problems.is_empty(), "the page logged errors:\n{}", b.problems.join("\n"));
}

/// The small county asking for one replication of two years: less than the page's quick
/// settings.
fn one_replication() -> String {
    let mut raw: RawScenario = scenario::parse("mini.ron", &small_county()).expect("mini parses");
    raw.name = "one_replication".into();
    raw.run.replications = 1;
    raw.run.horizon_days = 730.5;
    scenario::to_ron(&raw)
}

#[test]
fn quick_settings_never_exceed_the_file_are_not_saved_and_unsaved_changes_are_asked_about() {
    let Some(opened) = open_workbench() else { return };
    let Opened { dir, url, mut b, _server, _browser } = opened;
    let work = dir.path();
    std::fs::write(work.join("scenarios/one_replication.ron"), one_replication()).unwrap();
    b.call("Page.navigate", json!({"url": url}));
    b.wait_for("document.body && document.body.dataset.state === 'ready'");
    let value = |b: &mut Browser, path: &str| b.eval(&format!("document.querySelector(\"#levers [data-path='{path}']\").value"));

    // A file asking for less than the quick settings keeps its own: one replication of two
    // years, and nothing about the run to send.
    b.click("input[name=scenario][value='one_replication.ron']");
    b.wait_for("document.querySelector('input[name=scenario]:checked').value === 'one_replication.ron'");
    assert_eq!(value(&mut b, "run.replications"), json!("1"), "the quick settings made the run bigger than the file's");
    assert_eq!(value(&mut b, "run.horizon_days"), json!("2"));
    assert!(!b.text("#command").contains("--set run."), "{}", b.text("#command"));

    // The small county asks for 10 replications of 10 years: the page runs 3 of 3, and its
    // results folder records what ran.
    b.click("input[name=scenario][value='mini.ron']");
    b.wait_for("document.querySelector('input[name=scenario]:checked').value === 'mini.ron'");
    assert_eq!(value(&mut b, "run.replications"), json!("3"));
    assert_eq!(value(&mut b, "run.horizon_days"), json!("3"));
    let note = b.text("#save-run-note");
    assert!(note.contains("file's run settings: 10 replications of 10 years") && note.contains("quick settings are not saved"), "{note}");
    let id = b.run();
    let ran: RawScenario =
        scenario::parse("scenario.ron", &std::fs::read_to_string(work.join("results/workbench").join(&id).join("scenario.ron")).unwrap())
            .expect("the run's scenario.ron parses");
    assert_eq!((ran.run.replications, ran.run.horizon_days), (3, 1095.75), "the results folder records what ran");

    // Saved (and downloaded), the file keeps its own run settings, so `joinedup run` on it runs
    // the study the file describes; with the quick settings it gives the page's numbers.
    b.type_into(&format!("[data-path='{LEVER}']"), "30");
    b.type_into("#save-name", "quick_look");
    b.click("#save-button");
    b.wait_for("document.getElementById('save-message').textContent.startsWith('Saved as')");
    let saved_text = std::fs::read_to_string(work.join("scenarios/quick_look.ron")).unwrap();
    let saved: RawScenario = scenario::parse("quick_look.ron", &saved_text).expect("the saved file parses");
    let mini: RawScenario = scenario::parse("mini.ron", &small_county()).unwrap();
    assert_eq!(
        (saved.run.replications, saved.run.horizon_days, saved.run.warmup_days, saved.run.seed),
        (mini.run.replications, mini.run.horizon_days, mini.run.warmup_days, mini.run.seed),
        "the saved file has the page's quick settings:\n{saved_text}"
    );
    assert!(!saved_text.contains("--set run."), "the saved file's heading lists the quick settings:\n{saved_text}");
    let downloads = work.join("downloads");
    b.call("Browser.setDownloadBehavior", json!({"behavior": "allow", "downloadPath": downloads.display().to_string()}));
    b.click("#download-ron");
    wait_for_file(&downloads.join("quick_look.ron"));
    let downloaded: RawScenario = scenario::parse("d.ron", &std::fs::read_to_string(downloads.join("quick_look.ron")).unwrap()).unwrap();
    assert_eq!(downloaded.run.replications, mini.run.replications, "the downloaded file has the quick settings");

    // A run lever the planner moves is theirs, and saved.
    b.type_into("[data-path='run.replications']", "5");
    let note = b.text("#save-run-note");
    assert!(note.contains("5 replications (yours) of 10 years"), "{note}");
    b.type_into("#save-name", "five");
    b.click("#save-button");
    b.wait_for("document.getElementById('save-message').textContent.includes('five.ron')");
    let five: RawScenario = scenario::parse("five.ron", &std::fs::read_to_string(work.join("scenarios/five.ron")).unwrap()).unwrap();
    assert_eq!((five.run.replications, five.run.horizon_days), (5, mini.run.horizon_days));

    // Leaving the page: nothing to lose once saved, so it goes without asking ...
    assert_eq!(b.eval("window.unsavedChanges()"), json!(false), "the levers were saved as they are");
    b.type_into(&format!("[data-path='{LEVER}']"), "31");
    assert_eq!(b.eval("window.unsavedChanges()"), json!(true));
    // ... but a change in no file is asked about; staying keeps it, going loses it.
    assert!(b.leave(&url, false), "the page did not ask before a reload lost a lever change");
    b.wait_for("window.leaving === true");
    assert_eq!(value(&mut b, LEVER), json!("31"), "staying lost the change");
    // A change kept for another scenario counts too.
    b.click("input[name=scenario][value='county']");
    b.wait_for("document.querySelector('input[name=scenario]:checked').value === 'county'");
    assert_eq!(b.eval("window.unsavedChanges()"), json!(true), "the change kept for mini.ron is in no file");
    assert!(b.leave(&url, true));
    b.wait_for("!window.leaving && document.body && document.body.dataset.state === 'ready'");
    assert_eq!(b.eval("window.unsavedChanges()"), json!(false));
    assert!(!b.leave(&url, true), "a page with nothing to lose asked before going");
    b.wait_for("!window.leaving && document.body && document.body.dataset.state === 'ready'");

    // A warning's names in backticks are shown as code, built without markup from the text.
    let shown = b.eval("(() => { const p = document.createElement('p'); p.appendChild(window.withCode('model `a<b>` and `c`, one ` left')); return p.innerHTML; })()");
    assert_eq!(shown, json!("model <code>a&lt;b&gt;</code> and <code>c</code>, one ` left"));
    assert!(b.problems.is_empty(), "the page logged errors:\n{}", b.problems.join("\n"));
}

/// Waits for a download to be complete (Chromium writes to a `.crdownload` file, then renames).
fn wait_for_file(path: &Path) {
    let start = Instant::now();
    while !path.is_file() {
        assert!(start.elapsed() < HANG, "{} never arrived (hung download)", path.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether two JSON values are equal, numbers compared as numbers: JavaScript hands back
/// `37174000.0` as `37174000`.
fn same_numbers(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_numbers(x, y)),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_numbers(v, w))),
        _ => a == b,
    }
}

/// Standard base64 (the screenshot's encoding), without pulling in a crate for it.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let bytes: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for chunk in bytes.chunks(4) {
        let real: Vec<u8> = chunk.iter().copied().take_while(|c| *c != b'=').collect();
        let n = real.iter().fold(0u32, |acc, c| acc << 6 | value(*c)) << (6 * (4 - real.len()));
        out.extend_from_slice(&n.to_be_bytes()[1..real.len()]);
    }
    out
}
