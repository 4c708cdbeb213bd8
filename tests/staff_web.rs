//! The staff side over real HTTP against a real `blankett serve` with a real database: log-in and its Swedish
//! errors, sessions, CSRF, region scope through pages and API, the group account, correcting, registering,
//! exporting, the logs, the postlista, uploads and the unidentified-page queue.
//!
//! Documents come from generated, handwritten scans taken in with `blankett intake` before the server starts
//! (`staff_support::prepared`); their form IDs are not in the register, so an admin forwards one to region 01
//! and one to region 03.

mod staff_support;
mod web_support;

use serde_json::json;
use staff_support::*;
use web_support::*;

fn doc_in<'d>(docs: &'d [Doc], region: &str) -> &'d Doc {
    docs.iter()
        .find(|d| d.region == region)
        .expect("a document")
}

#[test]
fn log_in_errors_are_shown_in_swedish_and_logged_without_the_password() {
    let (dir, _) = prepared();
    let server = Server::start_in(dir, &[]);
    let c = Client::new(&server);

    let wrong = c.login("anna", "fel-lösenord-123");
    assert_eq!(wrong.status, 401);
    assert!(wrong.text().contains("Fel användarnamn eller lösenord."));
    assert!(c.cookie("blankett_session").is_none());

    let unknown = c.login("ingen-alls", "fel-lösenord-123");
    assert_eq!(unknown.status, 401);
    assert!(unknown.text().contains("Fel användarnamn eller lösenord."));

    let waiting = c.login("vilande", PASSWORD);
    assert_eq!(waiting.status, 403);
    assert!(
        waiting
            .text()
            .contains("Ditt konto väntar på att en administratör godkänner det.")
    );

    let inactive = c.login("slutat", PASSWORD);
    assert_eq!(inactive.status, 403);
    assert!(inactive.text().contains("Ditt konto är inaktiverat."));

    // Five failures lock the name; the right password does not help until the lock ends.
    for _ in 0..5 {
        c.login("bertil", "fel-lösenord-123");
    }
    let throttled = c.login("bertil", PASSWORD);
    assert_eq!(throttled.status, 429);
    assert!(
        throttled
            .text()
            .contains("För många misslyckade inloggningar. Försök igen om"),
        "{}",
        throttled.text()
    );

    // A log-in post without the log-in page's token is refused.
    let forged = c.post_form(
        "/staff/login",
        &[("username", "anna"), ("password", PASSWORD)],
    );
    assert_eq!(forged.status, 403);
    assert!(forged.text().contains("säkerhetskod"));

    // SITHS over plain HTTP: no certificate.
    let page = c.get("/staff/login");
    let token = csrf_in(&page.text()).unwrap();
    let siths = c.post_form("/staff/login/siths", &[("csrf", &token)]);
    assert_eq!(siths.status, 401);
    assert!(siths.text().contains(
        "Inget SITHS-kort hittades. Sätt i kortet och välj certifikatet med ditt HSA-id."
    ));

    // The admin reads the failures in the user log: the names given, never the passwords.
    let admin = Client::logged_in(&server, "admin");
    let log = admin.get("/staff/admin/logg?action=login_failed");
    assert_eq!(log.status, 200);
    let text = log.text();
    assert!(text.contains("ingen-alls") && text.contains("vilande") && text.contains("bertil"));
    assert!(text.contains("Kedjan är obruten"));
    let all = admin.get("/staff/admin/logg.csv").text();
    assert!(all.contains("login_failed") && all.contains(",login,"));
    for secret in ["fel-lösenord-123", PASSWORD] {
        assert!(!all.contains(secret), "the user log holds a password");
        assert!(
            !server.log().contains(secret),
            "the process log holds a password"
        );
    }
}

#[test]
fn without_a_session_pages_redirect_and_the_api_answers_401() {
    let (dir, docs) = prepared();
    let server = Server::start_in(dir, &[]);
    let c = Client::new(&server);
    let key = key_path(&doc_in(&docs, "01").key);
    for path in [
        "/staff/".to_string(),
        "/staff/att-granska".into(),
        format!("/staff/dokument/{key}"),
        format!("/staff/dokument/{key}/falt/patient.postort.png"),
        "/staff/admin/logg".into(),
        "/staff/export?format=csv".into(),
    ] {
        let a = c.get(&path);
        assert_eq!(a.status, 303, "{path}");
        assert_eq!(a.header("location"), Some("/staff/login"), "{path}");
    }
    for path in [
        "/api/pending".to_string(),
        format!("/api/dokument/{key}"),
        "/api/export?region=01".into(),
    ] {
        let a = c.get(&path);
        assert_eq!(a.status, 401, "{path}");
        assert!(a.content_type().starts_with("application/json"));
        let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
        assert!(v["fel"].as_str().unwrap().contains("inte inloggad"));
    }
    let post = c.post_json(
        &format!("/api/dokument/{key}/registrera"),
        &json!({}),
        false,
    );
    assert_eq!(post.status, 401);

    // The session cookie: HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP.
    let page = c.get("/staff/login");
    let token = csrf_in(&page.text()).unwrap();
    let res = c.post_form(
        "/staff/login",
        &[
            ("csrf", &token),
            ("username", "anna"),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(res.status, 303);
    let cookie = res
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.as_str())
        .find(|v| v.starts_with("blankett_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    let home = c.get("/staff/");
    assert_eq!(home.status, 200);
    assert_eq!(home.header("cache-control"), Some("no-store"));
    assert!(
        home.header("content-security-policy")
            .is_some_and(|p| p.contains("script-src 'self'"))
    );
    *c.csrf.lock().unwrap() = csrf_in(&home.text()).unwrap();

    // A handläggare on an admin page.
    let admin_page = c.get("/staff/admin/anvandare");
    assert_eq!(admin_page.status, 403);
    assert!(admin_page.text().contains("bara för administratörer"));

    // Log-out needs the token, then ends the session.
    assert_eq!(c.post_form("/staff/logout", &[]).status, 403);
    assert_eq!(c.get("/staff/").status, 200);
    let session = c.cookie("blankett_session").unwrap();
    let out = c.post_form_csrf("/staff/logout", &[]);
    assert_eq!(out.status, 303);
    c.set_cookie("blankett_session", &session);
    assert_eq!(c.get("/staff/").status, 303, "the old session is over");

    // The public site is unchanged.
    assert_eq!(c.get("/").status, 200);
    assert_eq!(c.get("/healthz").status, 200);
}

#[test]
fn requests_without_the_csrf_token_are_refused_and_change_nothing() {
    let (dir, docs) = prepared();
    let server = Server::start_in(dir, &[]);
    let anna = Client::logged_in(&server, "anna");
    let key = key_path(&doc_in(&docs, "01").key);
    let (_, before) = anna.json(&format!("/api/dokument/{key}"));

    let no_header = anna.post_json(
        &format!("/api/dokument/{key}/falt"),
        &json!({"field": "patient.postort", "value": "Knivsta"}),
        false,
    );
    assert_eq!(no_header.status, 403);
    let v: serde_json::Value = serde_json::from_slice(&no_header.body).unwrap();
    assert!(v["fel"].as_str().unwrap().contains("säkerhetskod"));
    let wrong = anna.post_raw(
        &format!("/api/dokument/{key}/registrera"),
        &[
            ("content-type", "application/json"),
            ("x-csrf-token", "00ff"),
        ],
        b"{}".to_vec(),
    );
    assert_eq!(wrong.status, 403);
    let page_form = anna.post_form(
        &format!("/staff/dokument/{key}/avvisa"),
        &[("reason", "Inte en anmälan")],
    );
    assert_eq!(page_form.status, 403);
    assert!(page_form.text().contains("säkerhetskod"));
    let wrong_token = anna.post_form(
        &format!("/staff/dokument/{key}/falt"),
        &[
            ("csrf", "deadbeef"),
            ("f", "patient.postort"),
            ("v.patient.postort", "Knivsta"),
        ],
    );
    assert_eq!(wrong_token.status, 403);

    let (_, after) = anna.json(&format!("/api/dokument/{key}"));
    assert_eq!(before["fields"], after["fields"], "no field changed");
    assert_eq!(after["case"]["state"]["state"], "open");
    assert_eq!(after["case"]["changes"], json!([]));
}

#[test]
fn another_regions_document_is_not_found_through_pages_and_api_alike() {
    let (dir, docs) = prepared();
    let server = Server::start_in(dir, &[]);
    let ours = doc_in(&docs, "01");
    let theirs = doc_in(&docs, "03");
    let anna = Client::logged_in(&server, "anna");
    let bertil = Client::logged_in(&server, "bertil");

    // Anna (01) works on hers: page, page image, crop.
    let k = key_path(&ours.key);
    let page = anna.get(&format!("/staff/dokument/{k}"));
    assert_eq!(page.status, 200);
    assert!(page.text().contains(&ours.form_id));
    let image = anna.get(&format!("/staff/dokument/{k}/sida/1.png"));
    assert_eq!(image.status, 200);
    assert_eq!(image.content_type(), "image/png");
    assert_eq!(image.header("cache-control"), Some("no-store"));
    let img = image::load_from_memory(&image.body).unwrap();
    assert!(img.height() > img.width(), "the page stands upright");
    let crop = anna.get(&format!(
        "/staff/dokument/{k}/falt/patient.personnummer.png"
    ));
    assert_eq!(crop.status, 200);
    assert_eq!(crop.content_type(), "image/png");

    // ... and Bertil (03) gets exactly what a missing document gives.
    let missing = bertil.get("/staff/dokument/KL1XXXXXXXXX");
    assert_eq!(missing.status, 404);
    let paths = [
        format!("/staff/dokument/{k}"),
        format!("/staff/dokument/{k}/sida/1.png"),
        format!("/staff/dokument/{k}/falt/patient.personnummer.png"),
    ];
    for p in &paths {
        let a = bertil.get(p);
        assert_eq!(a.status, 404, "{p}");
        assert!(!a.text().contains(&ours.form_id), "{p} names the document");
        if let Some(pnr) = &ours.personnummer {
            assert!(!a.text().contains(pnr.as_str()));
        }
    }
    let (status, body) = bertil.json(&format!("/api/dokument/{k}"));
    assert_eq!(status, 404);
    assert!(body["fel"].as_str().unwrap().contains("finns inte"));
    for action in [
        "falt",
        "kontroll",
        "registrera",
        "avvisa",
        "vidarebefordra",
        "lagg-undan",
    ] {
        let a = bertil.post_json(
            &format!("/api/dokument/{k}/{action}"),
            &json!({"field": "patient.postort", "value": "Knivsta", "values": {}, "reason": "x", "region": "03"}),
            true,
        );
        assert_eq!(a.status, 404, "{action}");
    }
    let form = bertil.post_form_csrf(&format!("/staff/dokument/{k}/avvisa"), &[("reason", "x")]);
    assert_eq!(form.status, 404);
    let (_, pending) = bertil.json("/api/pending");
    let keys: Vec<&str> = pending
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, [theirs.key.as_str()], "Bertil sees region 03 only");
    let (_, anna_pending) = anna.json("/api/pending");
    assert_eq!(anna_pending[0]["key"], ours.key.as_str());
    assert_eq!(anna_pending[0]["region"], "01");
    assert!(anna_pending[0]["fields_to_check"].is_u64());

    // Exports of another region are refused.
    assert_eq!(bertil.get("/api/export?region=01&format=csv").status, 403);
}

#[test]
fn a_group_account_prepares_but_cannot_register() {
    let (dir, docs) = prepared();
    let server = Server::start_in(dir, &[]);
    let grupp = Client::logged_in(&server, "grupp");
    let key = key_path(&doc_in(&docs, "01").key);
    let fixed = grupp.post_json(
        &format!("/api/dokument/{key}/falt"),
        &json!({"field": "patient.postort", "value": "Knivsta"}),
        true,
    );
    assert_eq!(fixed.status, 200, "{}", fixed.text());
    let api = grupp.post_json(&format!("/api/dokument/{key}/registrera"), &json!({}), true);
    assert_eq!(api.status, 403);
    let v: serde_json::Value = serde_json::from_slice(&api.body).unwrap();
    assert!(v["fel"].as_str().unwrap().contains("gruppkonto"), "{v}");
    let page = grupp.post_form_csrf(&format!("/staff/dokument/{key}/registrera"), &[]);
    assert_eq!(page.status, 403);
    assert!(page.text().contains("gruppkonto"));
    let screen = grupp.get(&format!("/staff/dokument/{key}")).text();
    assert!(!screen.contains("id=\"registrera\""), "no register button");
    assert!(screen.contains("gruppkonto"));
    let (_, doc) = grupp.json(&format!("/api/dokument/{key}"));
    assert_eq!(doc["case"]["state"]["state"], "open");
}

#[test]
fn a_correction_is_registered_exported_printed_and_logged() {
    let (dir, docs) = prepared();
    let server = Server::start_in(dir, &[]);
    let doc = doc_in(&docs, "01");
    let key = key_path(&doc.key);
    let anna = Client::logged_in(&server, "anna");

    // The verification screen: labels from the form definition, crops, keyboard help.
    let screen = anna.get(&format!("/staff/dokument/{key}"));
    assert_eq!(screen.status, 200);
    let html = screen.text();
    assert!(html.contains("Personnummer") && html.contains("Postort"));
    assert!(html.contains("/falt/patient.postort.png"));
    assert!(html.contains("Ctrl</kbd>+<kbd>Enter"));

    // The checks run as one types, without storing anything.
    let check = anna.post_json(
        &format!("/api/dokument/{key}/kontroll"),
        &json!({"values": {"patient.personnummer": "198112189875"}}),
        true,
    );
    assert_eq!(check.status, 200);
    let v: serde_json::Value = serde_json::from_slice(&check.body).unwrap();
    let messages = v["fields"]["patient.personnummer"].as_array().unwrap();
    assert!(
        messages
            .iter()
            .any(|m| m.as_str().unwrap().contains("Kontrollsiffran")),
        "{v}"
    );
    // A correction that fails its check is refused with the reason.
    let bad = anna.post_json(
        &format!("/api/dokument/{key}/falt"),
        &json!({"field": "patient.personnummer", "value": "198112189875"}),
        true,
    );
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("Kontrollsiffran"));

    // Correct through the page's form (the way without JavaScript), then register.
    let saved = anna.post_form_csrf(
        &format!("/staff/dokument/{key}/falt"),
        &[("f", "patient.postort"), ("v.patient.postort", "Knivsta")],
    );
    assert_eq!(saved.status, 303, "{}", saved.text());
    let (_, now) = anna.json(&format!("/api/dokument/{key}"));
    let postort = now["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "patient.postort")
        .unwrap();
    assert_eq!(postort["value"], "Knivsta");
    assert_eq!(postort["corrected"], true);
    assert_eq!(
        postort["reviewed"], true,
        "a correction is a look at the field"
    );

    // Registering from the page asks first. While fields stop it, the answer (409) names them.
    let (_, redo) = anna.json(&format!("/api/dokument/{key}/redo"));
    if redo["ready"] == false {
        let asked = anna.post_form_csrf(&format!("/staff/dokument/{key}/registrera"), &[]);
        assert_eq!(asked.status, 409, "{}", asked.text());
        let first = redo["obstacles"][0]["label"].as_str().unwrap();
        assert!(asked.text().contains("kan inte registreras än") && asked.text().contains(first));
        assert!(!asked.text().contains("bekrafta-registrera"));
    }
    anna.make_registrable(&key, &[]);
    let asked = anna.post_form_csrf(&format!("/staff/dokument/{key}/registrera"), &[]);
    assert_eq!(asked.status, 200, "{}", asked.text());
    assert!(asked.text().contains("Registrera anmälan?"));
    let (_, still) = anna.json(&format!("/api/dokument/{key}"));
    assert_eq!(
        still["case"]["state"]["state"], "open",
        "asking did not register"
    );
    let registered = anna.post_form_csrf(
        &format!("/staff/dokument/{key}/registrera"),
        &[("bekraftat", "1")],
    );
    assert_eq!(registered.status, 303, "{}", registered.text());
    let location = registered.header("location").unwrap().to_string();
    let dnr = location
        .strip_prefix("/staff/registrerad/")
        .unwrap()
        .to_string();
    assert!(dnr.starts_with("SMI-01-"), "{dnr}");
    let receipt = anna.get(&location);
    assert!(receipt.text().contains(&dnr));
    let again = anna.post_json(&format!("/api/dokument/{key}/registrera"), &json!({}), true);
    assert_eq!(again.status, 409, "registered once");

    // The printout for the file.
    let pdf = anna.get(&format!("/staff/registrerad/{dnr}.pdf"));
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.content_type(), "application/pdf");
    let out = output_dir("staff-web");
    let pdf_path = out.join("registrerad.pdf");
    std::fs::write(&pdf_path, &pdf.body).unwrap();
    let text = pdf_text(&pdf_path);
    assert!(text.contains(&dnr), "{text}");
    assert!(text.contains("Knivsta"));
    // The registering person by name, and every value under the section that says whose it is.
    assert!(text.contains("av Test anna"), "{text}");
    assert!(
        text.contains("2. Patient") && text.contains("6. Anmälande läkare"),
        "{text}"
    );
    assert_eq!(
        pdf_pages(&pdf_path),
        3,
        "two form pages and the list of values"
    );
    assert_eq!(
        Client::logged_in(&server, "bertil")
            .get(&format!("/staff/registrerad/{dnr}.pdf"))
            .status,
        404
    );

    // The export holds the corrected value and the diarienummer.
    let today = blankett::validation::swedish_today().to_string();
    let csv = anna.get(&format!(
        "/staff/export?region=01&from=2020-01-01&to={today}&format=csv"
    ));
    assert_eq!(csv.status, 200, "{}", csv.text());
    assert!(csv.content_type().starts_with("text/csv"));
    let csv = csv.text();
    assert!(csv.contains(&dnr) && csv.contains("Knivsta"), "{csv}");
    let (status, json_export) = anna.json(&format!(
        "/api/export?region=01&from=2020-01-01&to={today}&format=json"
    ));
    assert_eq!(status, 200);
    assert!(json_export.to_string().contains("Knivsta"));

    // The postlista: diarienummer, date, kind; no personal data.
    let post = anna.get(&format!(
        "/staff/postlista?region=01&from=2020-01-01&to={today}"
    ));
    assert_eq!(post.status, 200);
    let post = post.text();
    assert!(post.contains(&dnr) && post.contains("Klinisk anmälan"));
    for personal in [doc.personnummer.as_deref(), doc.patient_name.as_deref()]
        .into_iter()
        .flatten()
    {
        assert!(!post.contains(personal), "the postlista holds {personal}");
    }
    assert!(!post.contains("Knivsta"));

    // The logs: the change (old and new value, who), the registration, the opening and the export.
    let admin = Client::logged_in(&server, "admin");
    let dlog = admin.get(&format!(
        "/staff/admin/logg.csv?logg=dokument&document={}",
        doc.key
    ));
    let dlog = dlog.text();
    assert!(
        dlog.contains("field_changed") && dlog.contains("Knivsta") && dlog.contains("anna"),
        "{dlog}"
    );
    assert!(dlog.contains("registered") && dlog.contains(&dnr));
    let ulog = admin.get("/staff/admin/logg.csv?actor=anna").text();
    assert!(ulog.contains("opened") && ulog.contains("export"), "{ulog}");
    let page = admin.get("/staff/admin/logg?logg=dokument");
    assert!(page.text().contains("Kedjan är obruten"));
    // The events in Swedish on the page, and found by their Swedish word.
    let page = page.text();
    assert!(
        page.contains("registrerade") && page.contains("ändrade fält"),
        "{page}"
    );
    let opened = admin
        .get("/staff/admin/logg?action=%C3%B6ppnade&actor=anna")
        .text();
    assert!(
        opened.contains("öppnade") && !opened.contains("loggade in"),
        "{opened}"
    );

    // Registered: the page shows values, not inputs, and who registered it, by name.
    let done = anna.get(&format!("/staff/dokument/{key}")).text();
    assert!(!done.contains("id=\"granskning\""), "no verification form");
    let fields = &done[done
        .find("id=\"registrerade-falt\"")
        .expect("the read-only fields")..];
    assert!(!fields.contains("<input") && !fields.contains("<textarea"));
    assert!(done.contains(&dnr) && done.contains("Test anna"), "{done}");
    assert!(done.contains("Knivsta"));
}

#[test]
fn the_api_refuses_to_register_while_a_check_fails_and_shows_the_paper_word() {
    let (dir, docs) = prepared();
    let doc = doc_in(&docs, "01");
    write_wrong_check_digit(dir.path(), &doc.key);
    let server = Server::start_in(dir, &[]);
    let key = key_path(&doc.key);
    let anna = Client::logged_in(&server, "anna");

    // The page shows what the paper says, the suggestion and its reason; the value stays as written.
    let page = anna.get(&format!("/staff/dokument/{key}")).text();
    assert!(
        page.contains(
            "Skrivet 19121212-1213: kontrollsiffran stämmer inte. Förslag: 19121212-1212"
        ),
        "{page}"
    );
    assert!(page.contains(&format!("value=\"{WRONG_CHECK_DIGIT}\"")));
    assert!(page.contains("Använd förslaget"));

    // Everything else made clean; the failed check stands: refused, 409, the field named with why.
    anna.make_registrable(&key, &["patient.personnummer"]);
    let refused = anna.post_json(&format!("/api/dokument/{key}/registrera"), &json!({}), true);
    assert_eq!(refused.status, 409, "{}", refused.text());
    assert!(refused.content_type().starts_with("application/json"));
    let v: serde_json::Value = serde_json::from_slice(&refused.body).unwrap();
    assert!(
        v["fel"].as_str().unwrap().contains("kan inte registreras"),
        "{v}"
    );
    let named: Vec<(&str, &str)> = v["falt"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["field"].as_str().unwrap(), o["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(named, [("patient.personnummer", "failed_check")], "{v}");
    let (_, after) = anna.json(&format!("/api/dokument/{key}"));
    assert_eq!(after["case"]["state"]["state"], "open");
    assert_eq!(after["fields_to_check"], 1);

    // Letting it stand needs a reason.
    let no_reason = anna.post_json(
        &format!("/api/dokument/{key}/undantag"),
        &json!({"field": "patient.personnummer", "reason": "  "}),
        true,
    );
    assert_eq!(no_reason.status, 422, "{}", no_reason.text());

    // The person takes the suggestion: a correction (old, new, who), and now it registers.
    let taken = anna.post_json(
        &format!("/api/dokument/{key}/forslag"),
        &json!({"field": "patient.personnummer"}),
        true,
    );
    assert_eq!(taken.status, 200, "{}", taken.text());
    let t: serde_json::Value = serde_json::from_slice(&taken.body).unwrap();
    assert_eq!(t["field"]["value"], SUGGESTED);
    assert_eq!(t["fields_to_check"], 0);
    let ok = anna.post_json(&format!("/api/dokument/{key}/registrera"), &json!({}), true);
    assert_eq!(ok.status, 200, "{}", ok.text());
    let reg: serde_json::Value = serde_json::from_slice(&ok.body).unwrap();
    assert_eq!(reg["values_registered"]["patient.personnummer"], SUGGESTED);
    assert_eq!(
        reg["values_read"]["patient.personnummer"],
        WRONG_CHECK_DIGIT
    );
    let change = reg["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "patient.personnummer")
        .unwrap();
    assert_eq!(
        (&change["old"], &change["new"], &change["by"]),
        (&json!(WRONG_CHECK_DIGIT), &json!(SUGGESTED), &json!("anna"))
    );
}

/// Item 5 of issue 13 on real scans: intake reads a free-text box with nothing in it as empty, surely, so it is
/// not "to look at"; a box with writing stays with a person. The prepared copies have writing in every box; a
/// sparse copy (every optional field left empty) has empty ones.
#[test]
fn empty_free_text_boxes_are_not_to_look_at_and_written_ones_are() {
    let (dir, mut docs) = prepared();
    let sparse = generate_sparse(83, "gles");
    let mut files = Vec::new();
    for (name, bytes) in &sparse.files {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        files.push(p);
    }
    intake(dir.path(), &files);
    let id = blankett::formid::FormId::parse(&sparse.truth[0].form_id).unwrap();
    docs.push(Doc {
        key: id.compact(),
        form_id: id.to_string(),
        // Not in the register: the admin's until forwarded.
        region: "-".into(),
        personnummer: None,
        patient_name: None,
        free_text: free_text_of(&sparse.truth[0]),
    });
    let server = Server::start_in(dir, &[]);
    let admin = Client::logged_in(&server, "admin");
    let bertil = Client::logged_in(&server, "bertil");
    let mut seen = (0, 0);
    for doc in &docs {
        let client = if doc.region == "03" { &bertil } else { &admin };
        let (status, v) = client.json(&format!("/api/dokument/{}", key_path(&doc.key)));
        assert_eq!(status, 200, "{v}");
        for (name, written) in &doc.free_text {
            let field = v["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["name"] == name.as_str())
                .unwrap_or_else(|| panic!("{name}"));
            let confidence = field["confidence"].as_f64().unwrap();
            if *written {
                seen.0 += 1;
                assert!(field["needs_look"] == true, "{name} holds writing: {field}");
            } else {
                seen.1 += 1;
                assert!(
                    field["needs_look"] == false && confidence >= 0.9,
                    "{name} is empty on paper: {field}"
                );
            }
        }
    }
    assert!(
        seen.0 > 0 && seen.1 > 0,
        "both kinds among the boxes: {seen:?}"
    );
}

#[test]
fn unknown_api_paths_answer_json_404() {
    let (dir, docs) = prepared();
    let server = Server::start_in(dir, &[]);
    let anna = Client::logged_in(&server, "anna");
    let key = key_path(&doc_in(&docs, "01").key);
    for path in [
        "/api/finns-inte".to_string(),
        format!("/api/dokument/{key}/okand"),
        "/api/".into(),
    ] {
        for client in [&anna, &Client::new(&server)] {
            let a = client.get(&path);
            assert_eq!(a.status, 404, "{path}");
            assert!(a.content_type().starts_with("application/json"), "{path}");
            let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
            assert!(v["fel"].as_str().is_some(), "{path}: {v}");
        }
    }
    // The public site's unknown pages stay HTML.
    assert!(
        anna.get("/finns-inte")
            .content_type()
            .starts_with("text/html")
    );
}

#[test]
fn admins_manage_accounts_and_other_actions_work() {
    let (dir, docs) = prepared();
    let server = Server::start_in(dir, &[]);
    let admin = Client::logged_in(&server, "admin");
    let users = admin.get("/staff/admin/anvandare");
    assert_eq!(users.status, 200);
    assert!(users.text().contains("Väntar på godkännande"));

    // Approve the waiting account; it may then log in.
    assert_eq!(
        admin
            .post_form_csrf("/staff/admin/anvandare/vilande", &[("action", "approve")])
            .status,
        303
    );
    assert_eq!(Client::new(&server).login("vilande", PASSWORD).status, 303);
    // Add an account with the form.
    let added = admin.post_form_csrf(
        "/staff/admin/anvandare",
        &[
            ("username", "cecilia"),
            ("display_name", "Cecilia Ek"),
            ("kind", "personal"),
            ("roles", "handlaggare"),
            ("regions", "03"),
            ("password", "ett-långt-lösen-1"),
        ],
    );
    assert_eq!(added.status, 303, "{}", added.text());
    let cecilia = Client::new(&server);
    assert_eq!(cecilia.login("cecilia", "ett-långt-lösen-1").status, 303);
    // Deactivating ends the sessions at once.
    assert_eq!(
        admin
            .post_form_csrf(
                "/staff/admin/anvandare/cecilia",
                &[("action", "deactivate")]
            )
            .status,
        303
    );
    assert_eq!(cecilia.get("/staff/").status, 303);

    // Forward the 01 document to 03 with a reason: it leaves the 01 queue.
    let doc = doc_in(&docs, "01");
    let key = key_path(&doc.key);
    let forwarded = admin.post_form_csrf(
        &format!("/staff/dokument/{key}/vidarebefordra"),
        &[
            ("region", "03"),
            ("reason", "Patienten bor i Region Uppsala"),
        ],
    );
    assert_eq!(forwarded.status, 303, "{}", forwarded.text());
    assert_eq!(admin.get(&format!("/staff/dokument/{key}")).status, 404);
    let bertil = Client::logged_in(&server, "bertil");
    let (_, pending) = bertil.json("/api/pending");
    assert_eq!(pending.as_array().unwrap().len(), 2);
    // Put aside and reject through the API.
    let aside = bertil.post_json(
        &format!("/api/dokument/{key}/lagg-undan"),
        &json!({"reason": "Väntar på komplettering"}),
        true,
    );
    assert_eq!(aside.status, 200, "{}", aside.text());
    let no_reason = bertil.post_json(&format!("/api/dokument/{key}/avvisa"), &json!({}), true);
    assert_eq!(no_reason.status, 422);
    let rejected = bertil.post_json(
        &format!("/api/dokument/{key}/avvisa"),
        &json!({"reason": "Dubblett"}),
        true,
    );
    assert_eq!(rejected.status, 200);
    let v: serde_json::Value = serde_json::from_slice(&rejected.body).unwrap();
    assert_eq!(v["state"]["state"], "rejected");
}

#[test]
fn scans_uploaded_from_the_browser_are_taken_in_and_blank_pages_queued() {
    let (dir, _) = prepared();
    let server = Server::start_in(dir, &[]);
    let anna = Client::logged_in(&server, "anna");
    let form = anna.get("/staff/inlasning");
    assert_eq!(form.status, 200);
    assert!(form.text().contains("enctype=\"multipart/form-data\""));

    // A page without any form on it, as multipart (the form without JavaScript).
    let blank = image::GrayImage::from_pixel(1654, 2339, image::Luma([250]));
    let mut png = Vec::new();
    blank
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let token = anna.csrf.lock().unwrap().clone();
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--GRANS\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n--GRANS\r\n\
             Content-Disposition: form-data; name=\"region\"\r\n\r\n01\r\n--GRANS\r\n\
             Content-Disposition: form-data; name=\"scan\"; filename=\"tom sida.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&png);
    body.extend_from_slice(b"\r\n--GRANS--\r\n");
    let no_token = anna.post_raw(
        "/staff/inlasning",
        &[("content-type", "image/png"), ("x-filename", "x.png")],
        png.clone(),
    );
    assert_eq!(no_token.status, 403, "no CSRF token, nothing kept");
    let up = anna.post_raw(
        "/staff/inlasning",
        &[("content-type", "multipart/form-data; boundary=GRANS")],
        body,
    );
    assert_eq!(up.status, 303, "{}", up.text());
    let location = up.header("location").unwrap().to_string();
    let result = anna.get(&location);
    assert_eq!(result.status, 200);
    let text = result.text();
    assert!(
        text.contains("tom sida.png") && text.contains("kunde inte identifieras"),
        "{text}"
    );
    // Another region's account learns nothing of the upload, not even that it exists.
    let elsewhere = Client::logged_in(&server, "bertil").get(&location);
    assert_eq!(elsewhere.status, 404);
    assert!(!elsewhere.text().contains("tom sida.png"));

    // The page is in the uploader's region's queue, with a thumbnail, and can be set aside.
    // Tera escapes `/` in attributes as `&#x2F;`, as a browser reads it.
    let queue = anna
        .get("/staff/oidentifierade")
        .text()
        .replace("&#x2F;", "/");
    let at = queue
        .find("/staff/oidentifierade/")
        .unwrap_or_else(|| panic!("a queued page: {queue}"));
    let path: String = queue[at..].chars().take_while(|c| *c != '"').collect();
    assert!(path.ends_with(".png"), "{path}");
    let thumb = anna.get(&path);
    assert_eq!(thumb.status, 200);
    assert_eq!(thumb.content_type(), "image/png");
    assert_eq!(Client::logged_in(&server, "bertil").get(&path).status, 404);
    let action = path.trim_end_matches(".png");
    let aside = anna.post_form_csrf(&format!("{action}/lagg-undan"), &[("reason", "Tom sida")]);
    assert_eq!(aside.status, 303, "{}", aside.text());
    assert!(
        !anna
            .get("/staff/oidentifierade")
            .text()
            .replace("&#x2F;", "/")
            .contains(&path)
    );

    // A generated scan as the raw body (the way staff.js sends it, with progress): read into a document.
    let batch = generate(77, 1, "uppladdad");
    let (name, bytes) = &batch.files[0];
    let token = anna.csrf.lock().unwrap().clone();
    let up = anna.post_raw(
        "/staff/inlasning",
        &[
            ("content-type", "application/pdf"),
            ("x-filename", name),
            ("x-region", "01"),
            ("x-csrf-token", &token),
        ],
        bytes.clone(),
    );
    assert_eq!(up.status, 303, "{}", up.text());
    let result = anna.get(up.header("location").unwrap()).text();
    let id = blankett::formid::FormId::parse(&batch.truth[0].form_id).unwrap();
    let compact = id.compact();
    assert!(result.contains(&format!("blankett {id}")), "{result}");
    let admin = Client::logged_in(&server, "admin");
    let dlog = admin
        .get("/staff/admin/logg.csv?logg=dokument&action=taken_in")
        .text();
    assert!(dlog.contains(&compact) && dlog.contains("anna"), "{dlog}");
    // The document log names the scan by its hash, never by the file's name (it may hold personal data).
    let sha = blankett::store::scans::sha256_hex(bytes);
    assert!(dlog.contains(&sha[..12]), "{dlog}");
    let all_logs = admin.get("/staff/admin/logg.csv?logg=dokument").text()
        + &admin.get("/staff/admin/logg.csv").text();
    for file in [name.as_str(), "tom sida.png"] {
        assert!(!all_logs.contains(file), "{file} in a log: {all_logs}");
    }
}

/// Every staff route, walked as Bertil (region 03) with what belongs to region 01: a document, an upload and
/// its unidentified page. Each answers as for something that does not exist (404), or refuses the page (403).
#[test]
fn another_regions_account_walks_every_staff_route_and_finds_nothing() {
    let (dir, docs) = prepared();
    let server = Server::start_in(dir, &[]);
    let anna = Client::logged_in(&server, "anna");
    let bertil = Client::logged_in(&server, "bertil");
    let ours = doc_in(&docs, "01");
    let k = key_path(&ours.key);

    // Anna uploads a page without a form: an upload of region 01 with an unidentified page.
    let blank = image::GrayImage::from_pixel(1654, 2339, image::Luma([250]));
    let mut png = Vec::new();
    blank
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let token = anna.csrf.lock().unwrap().clone();
    let up = anna.post_raw(
        "/staff/inlasning",
        &[
            ("content-type", "image/png"),
            ("x-filename", "Svensson-191212121212.png"),
            ("x-region", "01"),
            ("x-csrf-token", &token),
        ],
        png.clone(),
    );
    assert_eq!(up.status, 303, "{}", up.text());
    let sha = blankett::store::scans::sha256_hex(&png);
    assert_eq!(anna.get(&format!("/staff/inlasning/{sha}")).status, 200);
    assert_eq!(
        anna.get(&format!("/staff/oidentifierade/{sha}/0.png"))
            .status,
        200
    );

    let secrets = [ours.form_id.as_str(), "Svensson", &sha[..12]];
    let check = |what: &str, a: &Answer, want: u16| {
        assert_eq!(a.status, want, "{what}: {}", a.text());
        for s in secrets {
            assert!(!a.text().contains(s), "{what} shows {s}");
        }
    };
    for path in [
        format!("/staff/dokument/{k}"),
        format!("/staff/dokument/{k}/sida/1.png"),
        format!("/staff/dokument/{k}/falt/patient.personnummer.png"),
        format!("/staff/inlasning/{sha}"),
        format!("/staff/oidentifierade/{sha}/0.png"),
        format!("/api/dokument/{k}"),
        format!("/api/dokument/{k}/redo"),
    ] {
        check(&path, &bertil.get(&path), 404);
    }
    for action in [
        "falt",
        "registrera",
        "avvisa",
        "vidarebefordra",
        "lagg-undan",
    ] {
        let path = format!("/staff/dokument/{k}/{action}");
        let a = bertil.post_form_csrf(
            &path,
            &[
                ("field", "patient.postort"),
                ("value", "x"),
                ("reason", "x"),
                ("region", "03"),
            ],
        );
        check(&path, &a, 404);
    }
    for action in [
        "falt",
        "kontroll",
        "registrera",
        "avvisa",
        "vidarebefordra",
        "lagg-undan",
        "granskat",
        "undantag",
        "forslag",
    ] {
        let path = format!("/api/dokument/{k}/{action}");
        let a = bertil.post_json(
            &path,
            &json!({"field": "patient.postort", "fields": ["patient.postort"], "value": "x", "values": {},
                    "reason": "x", "region": "03"}),
            true,
        );
        check(&path, &a, 404);
    }
    for action in ["placera", "lagg-undan"] {
        let path = format!("/staff/oidentifierade/{sha}/0/{action}");
        let a = bertil.post_form_csrf(
            &path,
            &[("form_id", &ours.form_id), ("page", "1"), ("reason", "x")],
        );
        check(&path, &a, 404);
    }
    // Lists and pages of his own show none of it; region 01's exports and the admin pages are refused.
    for path in [
        "/staff/",
        "/staff/att-granska",
        "/staff/saknade-sidor",
        "/staff/oidentifierade",
        "/staff/flaggor",
        "/staff/inlasning",
        "/api/pending",
    ] {
        check(path, &bertil.get(path), 200);
    }
    for path in [
        "/staff/export?region=01&format=csv",
        "/staff/postlista?region=01",
        "/api/export?region=01&format=csv",
        "/staff/admin/anvandare",
        "/staff/admin/logg",
        "/staff/admin/logg.csv",
    ] {
        let a = bertil.get(path);
        assert!(matches!(a.status, 403 | 422), "{path}: {}", a.status);
        for s in secrets {
            assert!(!a.text().contains(s), "{path} shows {s}");
        }
    }
}

#[test]
fn an_upload_of_another_regions_form_says_where_it_went() {
    let (dir, _) = prepared();
    // A copy issued for region 03 (Uppsala), uploaded by Anna, who works in 01.
    let batch = generate(81, 1, "annan-region");
    let id = blankett::formid::FormId::parse(&batch.truth[0].form_id).unwrap();
    {
        let store = blankett::store::Store::open(dir.path()).unwrap();
        let db = store.db();
        let record = blankett::store::issued::IssuedForm {
            id: id.to_string(),
            form: "klinisk".into(),
            version: id.form.version,
            supplements: vec![],
            region: "03".into(),
            issued_at: "2026-01-01T00:00:00Z".into(),
            channel: blankett::store::issued::Channel::Batch,
            filled_on_screen: false,
        };
        db.open_tree("issued")
            .unwrap()
            .insert(id.compact(), serde_json::to_vec(&record).unwrap())
            .unwrap();
        db.flush().unwrap();
    }
    let server = Server::start_in(dir, &[]);
    let anna = Client::logged_in(&server, "anna");
    let (name, bytes) = &batch.files[0];
    let token = anna.csrf.lock().unwrap().clone();
    let up = anna.post_raw(
        "/staff/inlasning",
        &[
            ("content-type", "application/pdf"),
            ("x-filename", name),
            ("x-region", "01"),
            ("x-csrf-token", &token),
        ],
        bytes.clone(),
    );
    assert_eq!(up.status, 303, "{}", up.text());
    let result = anna.get(up.header("location").unwrap()).text();
    assert!(
        result.contains("Skickad till Region Uppsala") && result.contains(&id.to_string()),
        "{result}"
    );
    // Where it went, not what it holds: no link to it, no values.
    assert!(!result.contains(&format!("/staff/dokument/{}", id.compact())));
}

#[test]
fn the_inbox_is_watched_while_the_server_runs() {
    let (dir, _) = prepared();
    let inbox = dir.path().join("inbox");
    let server = Server::start_in(dir, &[("BLANKETT_INBOX_SECONDS", "1")]);
    let batch = generate(79, 1, "inkorg");
    let (name, bytes) = &batch.files[0];
    // Written under a dot name, then renamed: the watcher leaves files being written alone.
    std::fs::create_dir_all(&inbox).unwrap();
    let part = inbox.join(format!(".{name}"));
    std::fs::write(&part, bytes).unwrap();
    std::fs::rename(&part, inbox.join(name)).unwrap();
    let compact = blankett::formid::FormId::parse(&batch.truth[0].form_id)
        .unwrap()
        .compact();
    // Of no known region: the admin sees it.
    let admin = Client::logged_in(&server, "admin");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let (_, pending) = admin.json("/api/pending");
        if pending.to_string().contains(&compact) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the inbox file was not taken in: {pending}"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let (dir, _) = server.stop();
    let left: Vec<_> = std::fs::read_dir(dir.path().join("inbox"))
        .unwrap()
        .flatten()
        .collect();
    assert!(
        left.is_empty(),
        "the inbox is emptied once the scan is kept"
    );
}

#[test]
fn an_unidentified_page_is_placed_on_its_form_id_and_page() {
    use blankett::forms::page::{self, Rect};
    use blankett::synth::scenario::{self, Damage, IdMode, Spec};
    let (dir, _) = prepared();
    let server = Server::start_in(dir, &[]);
    // A copy whose QR codes and printed IDs are gone: intake cannot tell which form it is.
    let mut damage: Vec<Damage> = page::QR_ZONES
        .iter()
        .map(|z| Damage::WhiteOut(z.grow(page::QR_QUIET)))
        .collect();
    damage.push(Damage::WhiteOut(Rect::new(140.0, 31.0, 56.0, 9.0)));
    damage.push(Damage::WhiteOut(Rect::new(80.0, 281.0, 115.5, 8.0)));
    let spec = Spec {
        documents: 1,
        forms: vec!["klinisk".into()],
        supplement_rate: 0.0,
        typed_rate: 1.0,
        upside_down_rate: 0.0,
        ids: IdMode::Seeded,
        damage,
        ..Spec::default()
    };
    let batch = scenario::generate(83, &spec).unwrap();
    let truth = &batch.truth[0];
    let (name, bytes) = &batch.files[0];
    let anna = Client::logged_in(&server, "anna");
    let token = anna.csrf.lock().unwrap().clone();
    let up = anna.post_raw(
        "/staff/inlasning",
        &[
            ("x-filename", name),
            ("x-region", "01"),
            ("x-csrf-token", &token),
        ],
        bytes.clone(),
    );
    assert_eq!(up.status, 303, "{}", up.text());
    let queue = anna
        .get("/staff/oidentifierade")
        .text()
        .replace("&#x2F;", "/");
    let actions: Vec<String> = queue
        .match_indices("action=\"/staff/oidentifierade/")
        .map(|(at, _)| {
            queue[at + 8..]
                .chars()
                .take_while(|c| *c != '"')
                .collect::<String>()
        })
        .filter(|a| a.ends_with("/placera"))
        .collect();
    assert_eq!(actions.len(), 2, "both pages are queued: {queue}");

    // A wrong ID is refused with the reason; the page stays.
    let wrong = anna.post_form_csrf(
        &actions[0],
        &[("form_id", "KL1-0000-0000-0"), ("page", "1")],
    );
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.text().contains("Blankett-id:t stämmer inte"),
        "{}",
        wrong.text()
    );

    // Each page placed by its number in the copy (known from the generator's truth).
    for action in &actions {
        let index: usize = action
            .trim_end_matches("/placera")
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let number = truth.pages.iter().find(|p| p.index == index).unwrap().page;
        let placed = anna.post_form_csrf(
            action,
            &[("form_id", &truth.form_id), ("page", &number.to_string())],
        );
        assert_eq!(placed.status, 303, "{}", placed.text());
    }
    assert!(
        anna.get("/staff/oidentifierade")
            .text()
            .contains("Inga oidentifierade sidor")
    );
    // The copy's ID is not in the register: the document is the admin's to forward.
    let admin = Client::logged_in(&server, "admin");
    let compact = blankett::formid::FormId::parse(&truth.form_id)
        .unwrap()
        .compact();
    let (status, doc) = admin.json(&format!("/api/dokument/{compact}"));
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["missing_pages"], json!([]));
    let log = admin
        .get("/staff/admin/logg.csv?logg=dokument&action=page_placed")
        .text();
    assert_eq!(log.matches("page_placed").count(), 2, "{log}");
}
