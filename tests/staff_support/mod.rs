//! Shared by the staff-side tests: a data folder prepared before the server starts (accounts made through the
//! model, generated scans taken in with `blankett intake`, the documents placed in their regions), and an HTTP
//! client that keeps its cookies as a browser does. The server itself is `web_support::Server`.
#![allow(dead_code)]

use crate::web_support::{Answer, Server};
use blankett::staff::accounts::{AccountKind, AccountStatus, NewAccount, Role};
use blankett::staff::{Settings, Staff};
use blankett::store::Store;
use blankett::synth::degrade::Quality;
use blankett::synth::scenario::{self, GeneratedBatch, IdMode, Spec};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

pub const PASSWORD: &str = "korrekt-häst-batteri-42";

/// A document taken in for the tests, and the region it was placed in.
#[derive(Debug, Clone)]
pub struct Doc {
    pub key: String,
    pub form_id: String,
    pub region: String,
    /// The personnummer written on the form (to check that it does not leak where it must not).
    pub personnummer: Option<String>,
    pub patient_name: Option<String>,
    /// Free-text fields as generated: name, and whether anything was written in the box.
    pub free_text: Vec<(String, bool)>,
}

/// The accounts every prepared folder has (all with [`PASSWORD`]).
/// admin: admin and handläggare in 01; anna: handläggare in 01; bertil: handläggare in 03; grupp: group account
/// in 01; vilande: not yet approved; slutat: deactivated.
pub fn add_accounts(staff: &Staff) {
    let add = |username: &str, kind, roles: Vec<Role>, region: &str, approved: bool| {
        staff
            .accounts
            .add(NewAccount {
                username: username.into(),
                display_name: format!("Test {username}"),
                hsa_id: None,
                kind,
                roles,
                regions: vec![region.into()],
                password: Some(PASSWORD.into()),
                approved_by: approved.then(|| "setup".to_string()),
            })
            .unwrap_or_else(|e| panic!("account {username}: {e}"));
    };
    add(
        "admin",
        AccountKind::Personal,
        vec![Role::Admin, Role::Handlaggare],
        "01",
        true,
    );
    add(
        "anna",
        AccountKind::Personal,
        vec![Role::Handlaggare],
        "01",
        true,
    );
    add(
        "bertil",
        AccountKind::Personal,
        vec![Role::Handlaggare],
        "03",
        true,
    );
    add(
        "grupp",
        AccountKind::Group,
        vec![Role::Handlaggare],
        "01",
        true,
    );
    add(
        "vilande",
        AccountKind::Personal,
        vec![Role::Handlaggare],
        "01",
        false,
    );
    add(
        "slutat",
        AccountKind::Personal,
        vec![Role::Handlaggare],
        "01",
        true,
    );
    staff
        .accounts
        .set_status("slutat", AccountStatus::Inactive, "admin")
        .unwrap();
}

/// Generated klinisk forms, handwritten, scanned at 200 dpi, one file per copy.
pub fn generate(seed: u64, documents: usize, prefix: &str) -> GeneratedBatch {
    let spec = Spec {
        documents,
        forms: vec!["klinisk".into()],
        supplement_rate: 0.0,
        qualities: vec![Quality::Office200],
        typed_rate: 0.0,
        upside_down_rate: 0.0,
        empty_rate: 0.2,
        ids: IdMode::Seeded,
        threads: 2,
        prefix: prefix.into(),
        ..Spec::default()
    };
    scenario::generate(seed, &spec).expect("generated scans")
}

/// As [`generate`], with every optional field left empty: free-text boxes with nothing in them.
pub fn generate_sparse(seed: u64, prefix: &str) -> GeneratedBatch {
    let spec = Spec {
        documents: 1,
        forms: vec!["klinisk".into()],
        supplement_rate: 0.0,
        qualities: vec![Quality::Office200],
        typed_rate: 0.0,
        upside_down_rate: 0.0,
        empty_rate: 1.0,
        ids: IdMode::Seeded,
        threads: 2,
        prefix: prefix.into(),
        ..Spec::default()
    };
    scenario::generate(seed, &spec).expect("generated scans")
}

/// The free-text fields of a generated copy: name, and whether anything was written in the box.
pub fn free_text_of(truth: &scenario::TruthDocument) -> Vec<(String, bool)> {
    let form = blankett::forms::Registry::embedded()
        .get(&truth.form, None)
        .unwrap();
    form.layout
        .pages
        .iter()
        .flat_map(|p| p.fields.iter())
        .filter(|f| matches!(f.geometry, blankett::forms::layout::Geometry::Text { .. }))
        .map(|f| {
            let written = matches!(truth.values.get(&f.name),
                Some(blankett::synth::values::Value::Text(t)) if !t.trim().is_empty());
            (f.name.clone(), written)
        })
        .collect()
}

/// `blankett intake --data DIR FILES...`
pub fn intake(data: &Path, files: &[PathBuf]) {
    let out = Command::new(env!("CARGO_BIN_EXE_blankett"))
        .arg("intake")
        .arg("--data")
        .arg(data)
        .args(files)
        .output()
        .expect("blankett intake runs");
    assert!(
        out.status.success(),
        "intake failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Scans that came in without a registered form ID belong to no region: an admin forwards each to one.
fn place(data: &Path, batch: &GeneratedBatch, regions: &[&str]) -> Vec<Doc> {
    let store = Store::open(data).expect("store");
    let staff = Staff::open(&store, Settings::default()).expect("staff");
    add_accounts(&staff);
    let admin = staff.accounts.get("admin").unwrap().unwrap();
    let mut docs = Vec::new();
    for (truth, region) in batch.truth.iter().zip(regions.iter().cycle()) {
        let id = blankett::formid::FormId::parse(&truth.form_id).unwrap();
        let found = store.documents.with_id(&id.compact()).unwrap();
        assert_eq!(found.len(), 1, "{} is one document", truth.form_id);
        let key = found[0].key.clone();
        staff
            .casework
            .forward(
                &store,
                &key,
                region,
                "Testdata: blankett utan registrerat id",
                &admin,
            )
            .expect("forwarded");
        let text = |name: &str| match truth.values.get(name) {
            Some(blankett::synth::values::Value::Text(t)) => Some(t.clone()),
            _ => None,
        };
        docs.push(Doc {
            free_text: free_text_of(truth),
            key,
            form_id: truth.form_id.clone(),
            region: region.to_string(),
            personnummer: text("patient.personnummer"),
            patient_name: text("patient.namn"),
        });
    }
    store.flush().unwrap();
    docs
}

/// A data folder with the accounts and two documents, one in region 01 and one in 03, prepared once per test
/// binary and copied for each test (intake is the slow part).
pub fn prepared() -> (tempfile::TempDir, Vec<Doc>) {
    // Other tests of the binary wait in `get_or_init` while the first prepares it.
    static TEMPLATE: OnceLock<(PathBuf, Vec<Doc>)> = OnceLock::new();
    let (template, docs) = TEMPLATE.get_or_init(|| {
        let root = tempfile::tempdir().expect("tempdir").keep();
        let batch = generate(61, 2, "staff");
        let mut files = Vec::new();
        for (name, bytes) in &batch.files {
            let p = root.join(name);
            std::fs::write(&p, bytes).unwrap();
            files.push(p);
        }
        let data = root.join("data");
        intake(&data, &files);
        let docs = place(&data, &batch, &["01", "03"]);
        (data, docs)
    });
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(template, dir.path());
    (dir, docs.clone())
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Opens the stopped server's database with the model, for checks the HTTP side does not show.
pub fn with_staff<T>(data: &Path, f: impl FnOnce(&Store, &Staff) -> T) -> T {
    let store = Store::open(data).expect("store");
    let staff = Staff::open(&store, Settings::default()).expect("staff");
    f(&store, &staff)
}

/// An HTTP client with a cookie jar, logged in or not.
pub struct Client<'s> {
    server: &'s Server,
    agent: ureq::Agent,
    cookies: Mutex<BTreeMap<String, String>>,
    /// The session's CSRF token, once logged in.
    pub csrf: Mutex<String>,
}

/// The `value` of the first `<input name="csrf">` of a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_string())
}

impl<'s> Client<'s> {
    pub fn new(server: &'s Server) -> Client<'s> {
        Client {
            server,
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .timeout_global(Some(Duration::from_secs(300)))
                .build()
                .into(),
            cookies: Mutex::new(BTreeMap::new()),
            csrf: Mutex::new(String::new()),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.into(), value.into());
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn answer(&self, res: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
        let answer = Server::answer(res);
        let mut jar = self.cookies.lock().unwrap();
        for (k, v) in &answer.headers {
            if !k.eq_ignore_ascii_case("set-cookie") {
                continue;
            }
            let first = v.split(';').next().unwrap_or_default();
            if let Some((name, value)) = first.split_once('=') {
                if value.is_empty() || v.to_ascii_lowercase().contains("max-age=0") {
                    jar.remove(name.trim());
                } else {
                    jar.insert(name.trim().into(), value.into());
                }
            }
        }
        answer
    }

    pub fn get(&self, path: &str) -> Answer {
        let req = self
            .agent
            .get(&self.server.url(path))
            .header("cookie", &self.cookie_header());
        self.answer(req.call())
    }

    /// A form post exactly as given (no CSRF token added).
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let req = self
            .agent
            .post(&self.server.url(path))
            .header("cookie", &self.cookie_header());
        self.answer(req.send_form(fields.iter().copied()))
    }

    /// A form post with the session's CSRF token.
    pub fn post_form_csrf(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let token = self.csrf.lock().unwrap().clone();
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, &all)
    }

    pub fn post_raw(&self, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
        let mut req = self
            .agent
            .post(&self.server.url(path))
            .header("cookie", &self.cookie_header());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.answer(req.send(body))
    }

    /// A JSON post; with `csrf` the session's token in `X-CSRF-Token`.
    pub fn post_json(&self, path: &str, body: &serde_json::Value, csrf: bool) -> Answer {
        let token = self.csrf.lock().unwrap().clone();
        let mut headers = vec![("content-type", "application/json")];
        if csrf {
            headers.push(("x-csrf-token", token.as_str()));
        }
        self.post_raw(path, &headers, serde_json::to_vec(body).unwrap())
    }

    /// Logs in with the form, as a browser: the log-in page first (its double-submit token), then the post.
    /// Returns the answer to the post.
    pub fn login(&self, username: &str, password: &str) -> Answer {
        let page = self.get("/staff/login");
        assert_eq!(page.status, 200);
        let token = csrf_in(&page.text()).expect("the log-in form has a CSRF field");
        let res = self.post_form(
            "/staff/login",
            &[
                ("csrf", &token),
                ("username", username),
                ("password", password),
            ],
        );
        if res.status == 303 {
            let home = self.get("/staff/");
            assert_eq!(home.status, 200, "{}", home.text());
            *self.csrf.lock().unwrap() = csrf_in(&home.text()).expect("csrf on the page");
        }
        res
    }

    pub fn logged_in(server: &'s Server, username: &str) -> Client<'s> {
        let c = Client::new(server);
        let res = c.login(username, PASSWORD);
        assert_eq!(res.status, 303, "{username} logs in: {}", res.text());
        c
    }

    pub fn json(&self, path: &str) -> (u16, serde_json::Value) {
        let a = self.get(path);
        let v = serde_json::from_slice(&a.body).unwrap_or(serde_json::Value::Null);
        (a.status, v)
    }
}

/// The path segment of a document key (`#` encoded).
pub fn key_path(key: &str) -> String {
    key.replace('#', "%23")
}

/// Makes the document in `data` (server stopped) carry a personnummer written with a wrong check digit, and the
/// suggestion a rule gives beside it, as intake stores it: the value as written stays, with doubt.
pub fn write_wrong_check_digit(data: &Path, key: &str) {
    use blankett::store::documents::{Suggestion, Value};
    with_staff(data, |store, _| {
        let mut doc = store.documents.get(key).unwrap().expect("the document");
        let field = doc
            .fields
            .get_mut("patient.personnummer")
            .expect("a personnummer field");
        field.value = Value::Text(WRONG_CHECK_DIGIT.into());
        field.confidence = 0.45;
        field.notes = vec!["Kontroll: Kontrollsiffran stämmer inte.".into()];
        field.suggestion = Some(Suggestion {
            value: SUGGESTED.into(),
            reason: "kontrollsiffran stämmer inte".into(),
        });
        // The identity type the number is checked as.
        if let Some(kind) = doc.fields.get_mut("patient.identitetstyp") {
            kind.value = Value::Ticked(vec!["personnummer".into()]);
        }
        store.documents.put(&doc).unwrap();
        store.flush().unwrap();
    });
}

/// The personnummer of [`write_wrong_check_digit`] as written, and as its check digit suggests.
pub const WRONG_CHECK_DIGIT: &str = "191212121213";
pub const SUGGESTED: &str = "191212121212";

impl Client<'_> {
    /// Clears what stops the registration through the API, except on the fields in `keep`: every field in
    /// doubt is looked at, every failed check let stand with a reason. Returns the fields let stand.
    pub fn make_registrable(&self, key: &str, keep: &[&str]) -> Vec<String> {
        let (status, redo) = self.json(&format!("/api/dokument/{key}/redo"));
        assert_eq!(status, 200, "{redo}");
        let mut let_stand = Vec::new();
        let mut review = Vec::new();
        for o in redo["obstacles"].as_array().unwrap() {
            let field = o["field"].as_str().unwrap();
            if keep.contains(&field) {
                continue;
            }
            match o["kind"].as_str().unwrap() {
                "unreviewed" => review.push(field.to_string()),
                _ => {
                    let a = self.post_json(
                        &format!("/api/dokument/{key}/undantag"),
                        &serde_json::json!({"field": field, "reason": "Står så på papperet; kontrollerat."}),
                        true,
                    );
                    assert_eq!(a.status, 200, "{}", a.text());
                    let_stand.push(field.to_string());
                }
            }
        }
        if !review.is_empty() {
            let a = self.post_json(
                &format!("/api/dokument/{key}/granskat"),
                &serde_json::json!({ "fields": review }),
                true,
            );
            assert_eq!(a.status, 200, "{}", a.text());
        }
        let_stand
    }
}
