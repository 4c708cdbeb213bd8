//! The public site over real HTTP: a real `blankett serve` on a random port with a fresh sled database. Every
//! page, the PDF endpoints (content type, fresh IDs, the region's address), the security headers, the rate limit,
//! and bad input answered with a clear Swedish message, never a 500.

mod web_support;

use blankett::formid::FormId;
use blankett::store::Store;
use blankett::store::issued::Channel;
use web_support::*;

const PAGES: &[&str] = &[
    "/",
    "/klinisk",
    "/klinisk?q=hepatit",
    "/klinisk?q=m%C3%A4ssling&region=12",
    "/klinisk/val?region=01&disease=salmonella",
    "/klinisk/val?region=01&disease=klamydia",
    "/klinisk/val?region=14&disease=covid19",
    "/klinisk/val?region=03&disease=influensa",
    "/paragraf",
    "/paragraf/val?region=12&form=paragraf-ovrig",
    "/blanketter",
    "/fyll/klinisk?region=01&disease=salmonella",
    "/fyll/klinisk-sti?region=01&disease=hiv",
    "/fyll/paragraf-sti-provtagning?region=20",
    "/fyll/klinisk",
];

fn assert_security_headers(a: &Answer, what: &str) {
    let csp = a.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(a.header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(
        a.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
}

#[test]
fn every_page_answers_in_swedish_with_the_security_headers() {
    let server = Server::start(&[]);
    for path in PAGES {
        let a = server.get(path);
        assert_eq!(a.status, 200, "{path}: {}", a.text());
        assert!(a.content_type().starts_with("text/html"), "{path}");
        assert_security_headers(&a, path);
        assert_eq!(a.header("cache-control"), Some("no-store"), "{path}");
        let html = a.text();
        assert!(html.contains("<html lang=\"sv\">"), "{path}");
        assert!(
            !html.contains("<script>") && !html.contains(" style="),
            "{path}: inline script or style"
        );
        assert_eq!(html.matches("<h1").count(), 1, "{path}: one h1");
        // Headings never skip a level.
        let mut last = 0;
        for (i, _) in html.match_indices("<h") {
            if let Some(level) = html[i + 2..].chars().next().and_then(|c| c.to_digit(10)) {
                assert!(level <= last + 1, "{path}: h{level} after h{last}");
                last = level;
            }
        }
        // Every input, select and textarea has a label (or is a hidden field).
        for (i, _) in html
            .match_indices("<input")
            .chain(html.match_indices("<select"))
            .chain(html.match_indices("<textarea"))
        {
            let tag = &html[i..i + html[i..].find('>').unwrap()];
            if tag.contains("type=\"hidden\"") {
                continue;
            }
            let id = tag
                .split("id=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or_else(|| panic!("{path}: no id on {tag}"));
            assert!(
                html.contains(&format!("for=\"{id}\"")),
                "{path}: no label for {id}"
            );
        }
    }
    let start = server.get("/").text();
    for words in [
        "SmiNet",
        "senast dagen efter",
        "utbrott",
        "EHEC",
        "Klinisk anmälan",
        "Paragrafanmälan",
        "Tomma blanketter i förväg",
        "sparas inte",
    ] {
        assert!(start.contains(words), "start page lacks {words}");
    }
}

#[test]
fn choosing_the_form_follows_the_disease() {
    let server = Server::start(&[]);
    let sti = server.get("/klinisk/val?region=01&disease=klamydia").text();
    assert!(
        sti.contains("/fyll/klinisk-sti?region=01&amp;disease=klamydia"),
        "{sti}"
    );
    assert!(sti.contains("rikskod"));
    let salmonella = server
        .get("/klinisk/val?region=01&disease=salmonella")
        .text();
    assert!(salmonella.contains("/fyll/klinisk?region=01&amp;disease=salmonella"));
    assert!(
        salmonella.contains("Tarminfektion"),
        "the supplement is named"
    );
    assert!(salmonella.contains("Box 30017"), "the region's address");
    let ehec = server.get("/klinisk/val?region=01&disease=ehec").text();
    assert!(ehec.contains("Ring smittskyddsläkaren genast"));
    for lab_only in ["influensa", "rotavirus", "esbl", "atypiska_mykobakterier"] {
        let page = server
            .get(&format!("/klinisk/val?region=01&disease={lab_only}"))
            .text();
        assert!(page.contains("anmäls inte kliniskt"), "{lab_only}");
        assert!(page.contains("endast av laboratoriet"), "{lab_only}");
        assert!(!page.contains("/fyll/"), "{lab_only} offers no form");
    }
    let esbl = server.get("/klinisk/val?region=01&disease=esbl").text();
    assert!(esbl.contains("ESBL-CARBA"), "the exception is stated");
    let covid = server.get("/klinisk/val?region=01&disease=covid19").text();
    assert!(covid.contains("antigentest") && covid.contains("/fyll/klinisk?"));
    // One form ID is one sheet: no region is told to print twice (Skåne once asked, in SmiNet 2's day).
    let skane = server.get("/klinisk/val?region=12&disease=kikhosta").text();
    assert!(!skane.contains("exemplar"));
    assert!(
        skane.contains("syns i fönstret"),
        "an address is known and printed"
    );
    // No address known: the page promises no window and says what to write on the envelope.
    let uppsala = server.get("/klinisk/val?region=03&disease=kikhosta").text();
    assert!(!uppsala.contains("syns i fönstret"));
    assert!(uppsala.contains("Använd ett kuvert utan fönster"));
    // Phoned in at once, with the region's number where a source gives it.
    let meningo = server
        .get("/klinisk/val?region=05&disease=meningokocker")
        .text();
    assert!(
        meningo.contains("Ring smittskyddsläkaren genast") && meningo.contains("010-103 08 64")
    );
    assert!(
        !server
            .get("/klinisk/val?region=05&disease=legionella")
            .text()
            .contains("genast")
    );
    // Texts: what is checked is checked when the PDF is made; one word for hemortslän.
    assert!(!salmonella.contains("kontrolleras direkt"));
    let sti = server.get("/klinisk/val?region=01&disease=klamydia").text();
    assert!(sti.contains("hemortslän") && !sti.contains("hemlän"));
    // The disease search without JavaScript.
    let search = server.get("/klinisk?q=massling&region=01").text();
    assert!(search.contains("Mässling") && !search.contains("Salmonella"));
    assert!(search.contains("<option value=\"01\" selected>"));
    // Missing choices are asked for, not guessed.
    let missing = server.get("/klinisk/val?region=01");
    assert_eq!(missing.status, 422);
    assert!(missing.text().contains("Välj sjukdom"));
    // A filled-form link for the wrong form is sent to the right one.
    let wrong = server.get("/fyll/klinisk?region=01&disease=gonorre");
    assert_eq!(wrong.status, 303);
    assert_eq!(
        wrong.header("location"),
        Some("/fyll/klinisk-sti?disease=gonorre&region=01")
    );
    let lab = server.get("/fyll/klinisk?region=01&disease=influensa");
    assert_eq!(lab.status, 303);
    assert!(lab.header("location").unwrap().starts_with("/klinisk/val?"));
}

#[test]
fn blank_pdf_is_fresh_on_every_download_and_addressed_to_the_region() {
    let server = Server::start(&[]);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let a = server.get("/forms/klinisk.pdf?region=01");
        assert_eq!(a.status, 200, "{}", a.text());
        assert_eq!(a.content_type(), "application/pdf");
        assert_eq!(a.header("cache-control"), Some("no-store"));
        assert_security_headers(&a, "pdf");
        assert!(a.body.starts_with(b"%PDF-"));
        let id: FormId = a.header("x-blankett-id").unwrap().parse().unwrap();
        assert_eq!(id.form.code_str(), "KA");
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "a fresh ID on every download");

    let a = server.get("/forms/klinisk.pdf?region=06&disease=tuberkulos");
    assert_eq!(a.status, 200);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.pdf");
    std::fs::write(&path, &a.body).unwrap();
    assert_eq!(
        pdf_pages(&path),
        3,
        "klinisk (2 pages) + tillagg-tuberkulos"
    );
    let text = pdf_text(&path);
    assert!(text.contains("551 85 Jönköping"), "{text}");
    assert!(text.contains(a.header("x-blankett-id").unwrap()));
    let last_id: FormId = a.header("x-blankett-id").unwrap().parse().unwrap();

    // Only the issued IDs are recorded, with form, region and channel.
    let (data, _) = server.stop();
    let store = Store::open(data.path()).unwrap();
    assert_eq!(store.issued.len(), 4);
    let record = store.issued.get(&last_id).unwrap().unwrap();
    assert_eq!(record.form, "klinisk");
    assert_eq!(record.region, "06");
    assert_eq!(record.channel, Channel::Web);
    assert_eq!(
        record.supplements,
        vec![("tillagg-tuberkulos".to_string(), 1)]
    );
    assert!(!record.filled_on_screen);
}

#[test]
fn blank_forms_in_quantity_each_with_its_own_id() {
    let server = Server::start(&[]);
    let a = server.get("/blanketter/pdf?form=klinisk&region=12&count=5&supplement=tillagg-tarm");
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.content_type(), "application/pdf");
    assert!(
        a.header("content-disposition")
            .unwrap()
            .starts_with("attachment")
    );
    let ids: Vec<&str> = a.header("x-blankett-id").unwrap().split(',').collect();
    assert_eq!(ids.len(), 5);
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 5);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch.pdf");
    std::fs::write(&path, &a.body).unwrap();
    assert_eq!(pdf_pages(&path), 15);
    let text = pdf_text(&path);
    for id in &ids {
        assert!(text.contains(id), "{id} printed");
    }
    // The contract endpoint takes a count too, up to 50.
    let fifty = server.get("/forms/paragraf-ovrig.pdf?region=01&count=50");
    assert_eq!(fifty.status, 200);
    assert_eq!(
        fifty.header("x-blankett-id").unwrap().split(',').count(),
        50
    );
    let too_many = server.get("/blanketter/pdf?form=klinisk&region=12&count=51");
    assert_eq!(too_many.status, 422);
    assert!(too_many.text().contains("från 1 till 50"));
    // Every problem at once, next to its field, with the choices kept.
    let both = server.get("/blanketter/pdf?form=paragraf-ovrig&count=99");
    assert_eq!(both.status, 422);
    let html = both.text();
    assert!(html.contains("Välj regionen där blanketterna ska användas"));
    assert!(html.contains("från 1 till 50"));
    assert!(html.contains("<option value=\"paragraf-ovrig\" selected>"));
}

#[test]
fn bad_input_gets_a_clear_swedish_answer_never_a_500() {
    let server = Server::start(&[]);
    let cases: &[(&str, u16, &str)] = &[
        (
            "/forms/klinisk.pdf?region=99",
            400,
            "Regionen ”99” finns inte",
        ),
        ("/forms/klinisk.pdf", 400, "Ange region"),
        ("/forms/klinisk.pdf?region=", 400, "Ange region"),
        ("/forms/nope.pdf?region=01", 404, "finns inte"),
        ("/forms/tillagg-tarm.pdf?region=01", 400, "tilläggsblankett"),
        (
            "/forms/klinisk.pdf?region=01&count=0",
            400,
            "från 1 till 50",
        ),
        (
            "/forms/klinisk.pdf?region=01&count=abc",
            400,
            "från 1 till 50",
        ),
        (
            "/forms/klinisk.pdf?region=01&count=51",
            400,
            "från 1 till 50",
        ),
        (
            "/forms/klinisk.pdf?region=01&disease=pest%00",
            400,
            "finns inte",
        ),
        (
            "/forms/klinisk.pdf?region=01&disease=klamydia",
            400,
            "klinisk-sti",
        ),
        (
            "/forms/klinisk.pdf?region=01&disease=influensa",
            400,
            "laboratoriet",
        ),
        (
            "/forms/klinisk.pdf?region=01&supplement=klinisk",
            400,
            "ingen tilläggsblankett",
        ),
        ("/forms/klinisk.pdf?region=%ZZ", 400, "finns inte"),
        (
            "/blanketter/pdf?form=klinisk&region=99&count=1",
            422,
            "Regionen ”99” finns inte",
        ),
        ("/blanketter/pdf?form=nope&region=01", 422, "finns inte"),
        (
            "/klinisk/val?region=99&disease=nope",
            422,
            "Regionen finns inte",
        ),
        (
            "/paragraf/val?region=01&form=klinisk",
            422,
            "Blanketten finns inte",
        ),
        ("/fyll/nope", 404, "finns ingen blankett"),
        ("/fyll/tillagg-tarm", 400, "hör till en klinisk anmälan"),
        (
            "/fyll/klinisk?disease=nope",
            400,
            "Sjukdomen ”nope” finns inte",
        ),
        ("/inget-har", 404, "Sidan finns inte"),
        ("/static/nope.css", 404, "Filen finns inte"),
    ];
    for (path, status, words) in cases {
        let a = server.get(path);
        assert_eq!(a.status, *status, "{path}: {}", a.text());
        assert!(a.text().contains(words), "{path}: {}", a.text());
    }

    // A malformed personnummer is shown next to the field, with the typed values kept.
    let a = server.post_form(
        "/fyll/klinisk",
        &[
            ("region", "01"),
            ("klinisk:patient.identitetstyp", "personnummer"),
            ("klinisk:patient.personnummer", "19811218-9875"),
            ("klinisk:patient.namn", "Testsson, Test"),
        ],
    );
    assert_eq!(a.status, 422);
    let html = a.text();
    assert!(
        html.contains("Kontrollsiffran stämmer inte: sista siffran borde vara 6"),
        "{html}"
    );
    assert!(html.contains("id=\"f-klinisk-patient-personnummer-fel\""));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(
        html.contains("value=\"19811218-9875\""),
        "the typed value is kept"
    );
    assert!(html.contains("value=\"Testsson, Test\""));
    assert!(
        html.contains("href=\"#f-klinisk-patient-personnummer\""),
        "summary links to the field"
    );
    assert_eq!(a.header("cache-control"), Some("no-store"));

    // A short personnummer, a future date, an impossible date, a wrong HSA-id.
    let a = server.post_form(
        "/fyll/klinisk",
        &[
            ("region", "01"),
            ("klinisk:patient.identitetstyp", "personnummer"),
            ("klinisk:patient.personnummer", "811218-9876"),
            ("klinisk:rapportor.datum", "20991231"),
            ("klinisk:sjukdom.diagnosdatum", "20250230"),
            ("klinisk:rapportor.hsaid", "198112189876"),
            ("klinisk:patient.postnummer", "012 34"),
        ],
    );
    let html = a.text();
    assert_eq!(a.status, 422);
    for words in [
        "skriv hela födelseåret",
        "har inte varit än",
        "februari har inte 30 dagar",
        "Detta är ett personnummer, inte ett HSA-id",
        "Postnummer börjar aldrig med 0",
    ] {
        assert!(html.contains(words), "{words}");
    }

    // The STI rule: klamydia may not be reported on the klinisk form.
    let a = server.post_form(
        "/fyll/klinisk",
        &[("region", "01"), ("klinisk:sjukdom.annan", "Klamydia")],
    );
    assert_eq!(a.status, 422);
    assert!(a.text().contains("klinisk-sti"), "{}", a.text());
    // Values for fields the form does not have are ignored, never echoed.
    let a = server.post_form(
        "/fyll/klinisk-sti",
        &[
            ("region", "01"),
            ("klinisk-sti:patient.personnummer", "198112189876"),
        ],
    );
    assert_eq!(a.status, 422);
    assert!(!a.text().contains("198112189876"));
    // Unknown options, odd encodings and oversized bodies.
    let a = server.post_form(
        "/fyll/klinisk",
        &[("region", "01"), ("klinisk:anmalan.typ", "<script>")],
    );
    assert_eq!(a.status, 422);
    assert!(
        a.text()
            .contains("Alternativet ”&lt;script&gt;” finns inte")
    );
    let a = server.post_raw(
        "/fyll/klinisk",
        "application/x-www-form-urlencoded",
        b"region=01&%FF%FE=%C3&klinisk%3Apatient.namn=%E2%28".to_vec(),
    );
    assert_eq!(a.status, 422);
    let a = server.post_raw(
        "/fyll/klinisk",
        "application/x-www-form-urlencoded",
        vec![b'a'; 200 * 1024],
    );
    assert_eq!(a.status, 413);
    assert!(a.text().contains("För mycket text"));
    let log = server.log();
    assert!(!log.contains(" 500 "), "{log}");
}

#[test]
fn the_rate_limit_answers_429_in_swedish() {
    let server = Server::start(&[("BLANKETT_PUBLIC_RATE_LIMIT", "3")]);
    for _ in 0..3 {
        assert_eq!(server.get("/forms/klinisk.pdf?region=01").status, 200);
    }
    let a = server.get("/forms/klinisk.pdf?region=01");
    assert_eq!(a.status, 429);
    assert!(a.content_type().starts_with("text/html"));
    assert!(a.text().contains("För många förfrågningar"));
    assert!(a.text().contains("Vänta"));
    let retry: u64 = a.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    assert_eq!(
        server
            .get("/blanketter/pdf?form=klinisk&region=01&count=2")
            .status,
        429
    );
    // The filled form keeps what was typed and says to wait.
    let a = server.post_form("/fyll/klinisk", &valid_klinisk());
    assert_eq!(a.status, 429);
    assert!(a.text().contains("det du skrivit finns kvar"));
    assert!(a.text().contains("value=\"Andersson, Anna\""));
    // Pages are not limited.
    assert_eq!(server.get("/").status, 200);
    assert_eq!(server.get("/healthz").status, 200);

    // 0 turns it off.
    let open = Server::start(&[("BLANKETT_PUBLIC_RATE_LIMIT", "0")]);
    for _ in 0..80 {
        assert_eq!(open.get("/forms/klinisk.pdf?region=01").status, 200);
    }
}

#[test]
fn a_bad_rate_limit_setting_stops_the_server_with_a_message() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blankett"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(tempfile::tempdir().unwrap().path())
        .env("BLANKETT_PUBLIC_RATE_LIMIT", "many")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("BLANKETT_PUBLIC_RATE_LIMIT"));
}

#[test]
fn healthz_and_static_assets() {
    let server = Server::start(&[]);
    let a = server.get("/healthz");
    assert_eq!(a.status, 200);
    assert_eq!(a.text(), "ok\n");
    let css = server.get("/static/stil.css");
    assert_eq!(css.status, 200);
    assert!(css.content_type().starts_with("text/css"));
    assert!(css.header("cache-control").unwrap().contains("max-age"));
    let js = server.get("/static/blankett.js");
    assert_eq!(js.status, 200);
    assert!(js.content_type().starts_with("text/javascript"));
    let page = server.get("/").text();
    assert!(page.contains("/static/stil.css?v="));
    assert!(page.contains("/static/blankett.js?v="));
}

pub fn valid_klinisk() -> Vec<(&'static str, &'static str)> {
    vec![
        ("region", "01"),
        ("disease", "salmonella"),
        ("klinisk:anmalan.typ", "nytt_fall"),
        ("klinisk:sjukdom.diagnos", "salmonella"),
        ("klinisk:patient.identitetstyp", "personnummer"),
        ("klinisk:patient.personnummer", "198112189876"),
        ("klinisk:patient.namn", "Andersson, Anna"),
        ("klinisk:rapportor.namn", "Berit Ek"),
        ("klinisk:rapportor.datum", "20260105"),
        ("klinisk:sjukdom.fall", "bekraftat"),
    ]
}

#[test]
fn a_valid_filled_form_gives_a_pdf_and_records_only_the_id() {
    let server = Server::start(&[]);
    let a = server.post_form("/fyll/klinisk", &valid_klinisk());
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.content_type(), "application/pdf");
    assert_eq!(a.header("cache-control"), Some("no-store"));
    assert!(
        a.header("content-disposition")
            .unwrap()
            .starts_with("attachment")
    );
    let id: FormId = a.header("x-blankett-id").unwrap().parse().unwrap();
    let (data, log) = server.stop();
    assert!(!log.contains("Andersson"), "{log}");
    let store = Store::open(data.path()).unwrap();
    let record = store.issued.get(&id).unwrap().unwrap();
    assert!(record.filled_on_screen);
    let raw = serde_json::to_string(&record).unwrap();
    assert!(!raw.contains("Andersson") && !raw.contains("198112189876"));
    // Nothing typed anywhere in the database files either.
    for entry in walk(data.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(9).any(|w| w == b"Andersson"),
            "{}",
            entry.display()
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Reads every page's data QR code of `pdf` from a 200-dpi grey rasterisation, as intake reads them,
/// keyed `form:field`.
fn read_data_codes(
    pdf: &[u8],
    out_name: &str,
) -> std::collections::BTreeMap<String, blankett::validation::FieldValue> {
    let out = output_dir("web");
    let path = out.join(format!("{out_name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let mut values = std::collections::BTreeMap::new();
    for (i, img) in rasterise(&path, 200).iter().enumerate() {
        let page =
            data_qr_page(img, 200).unwrap_or_else(|e| panic!("{out_name} page {}: {e}", i + 1));
        for (k, v) in page.values {
            values.insert(format!("{}:{k}", page.form), v);
        }
    }
    values
}

#[test]
fn the_filled_pdf_data_code_gives_back_exactly_what_was_typed_and_the_log_none_of_it() {
    use blankett::validation::FieldValue;
    let server = Server::start(&[]);
    let kalla = "Qxjämförd kebab från Örkelljunga-vagnen,\nsedan buffé på M/S Gränslös (3–4 maj)";
    let ovrigt =
        "Avstängd från köket; hushållet informerat om handhygien. Prov tas på Wåhlbergs förskola.";
    let typed: Vec<(&str, &str)> = vec![
        ("region", "12"),
        ("disease", "salmonella"),
        ("klinisk:anmalan.typ", "nytt_fall"),
        ("klinisk:sjukdom.diagnos", "salmonella"),
        ("klinisk:patient.identitetstyp", "samordningsnummer"),
        ("klinisk:patient.personnummer", "197010632391"),
        ("klinisk:patient.kon", "kvinna"),
        ("klinisk:patient.namn", "Xylofonsdotter, Öllegård"),
        ("klinisk:patient.adress", "Zäta Gränd 9"),
        ("klinisk:patient.postnummer", "21119"),
        ("klinisk:patient.postort", "Malmö"),
        ("klinisk:patient.telefon", "0701234567"),
        ("klinisk:patient.lan", "Skåne"),
        ("klinisk:sjukdom.insjukningsdatum", "20260101"),
        ("klinisk:sjukdom.diagnosdatum", "20260103"),
        ("klinisk:prov.provtagningsdatum", "20260102"),
        ("klinisk:prov.laboratorium", "Klinmikro Lund"),
        ("klinisk:smitta.land", "Thailand"),
        ("klinisk:smitta.ort", "Phuket"),
        ("klinisk:smitta.vag", "livsmedel"),
        ("klinisk:smitta.vag", "person"),
        ("klinisk:smitta.kalla", kalla),
        ("klinisk:atgarder.forhallningsregler", "ja"),
        ("klinisk:atgarder.forhallningsregler_vilka", "hygien"),
        (
            "klinisk:atgarder.forhallningsregler_vilka",
            "arbete_livsmedel",
        ),
        ("klinisk:atgarder.ovrigt", ovrigt),
        ("klinisk:patient.riskyrke", "livsmedel"),
        ("klinisk:rapportor.namn", "Dr Quist"),
        ("klinisk:rapportor.datum", "20260105"),
        ("klinisk:rapportor.hsaid", "SE2321000016-3MKB"),
        ("klinisk:rapportor.klinik", "Infektion SUS"),
        ("klinisk:sjukdom.fall", "bekraftat"),
        ("tillagg-tarm:resa.utlandsresa", "ja"),
        ("tillagg-tarm:resa.hemkomstdatum", "20260102"),
    ];
    let a = server.post_form("/fyll/klinisk", &typed);
    assert_eq!(a.status, 200, "{}", a.text());
    let read = read_data_codes(&a.body, "ifylld-klinisk");
    let mut expected: std::collections::BTreeMap<String, FieldValue> = Default::default();
    for (k, v) in &typed {
        if !k.contains(':') {
            continue;
        }
        let choice = [
            "anmalan.typ",
            "sjukdom.diagnos",
            "identitetstyp",
            "kon",
            "smitta.vag",
            "forhallningsregler",
            "riskyrke",
            "sjukdom.fall",
            "forhallningsregler_vilka",
            "utlandsresa",
        ]
        .iter()
        .any(|c| k.ends_with(c));
        if choice {
            match expected
                .entry(k.to_string())
                .or_insert(FieldValue::Ticked(vec![]))
            {
                FieldValue::Ticked(list) => list.push(v.to_string()),
                FieldValue::Text(_) => unreachable!(),
            }
        } else {
            expected.insert(k.to_string(), FieldValue::Text(v.to_string()));
        }
    }
    assert_eq!(
        read, expected,
        "the data code carries exactly what was typed"
    );

    let log = server.log();
    for (_, v) in &typed {
        if v.chars().count() >= 6 && !v.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            assert!(!log.contains(v), "the log holds {v:?}:\n{log}");
        }
    }
    assert!(!log.contains("Xylofonsdotter") && !log.contains("Qxjämförd"));
    assert!(
        log.contains("POST /fyll/klinisk 200"),
        "the access log has the request: {log}"
    );
}

#[test]
fn every_form_round_trips_through_its_data_code() {
    use blankett::validation::FieldValue;
    let server = Server::start(&[]);
    // The STI form (one symbol a page: its footer is long) and a paragraph notification.
    let sti = [
        ("region", "01"),
        ("klinisk-sti:anmalan.typ", "nytt_fall"),
        ("klinisk-sti:sjukdom.fall", "misstankt"),
        ("klinisk-sti:sjukdom.diagnos", "klamydia"),
        ("klinisk-sti:sjukdom.diagnosdatum", "20260104"),
        ("klinisk-sti:patient.kodtyp", "rikskod"),
        ("klinisk-sti:patient.rikskod", "19851234"),
        ("klinisk-sti:patient.lan", "Stockholm"),
        ("klinisk-sti:rapportor.namn", "Dr Wq"),
        ("klinisk-sti:rapportor.datum", "20260105"),
    ];
    let a = server.post_form("/fyll/klinisk-sti", &sti);
    assert_eq!(a.status, 200, "{}", a.text());
    let read = read_data_codes(&a.body, "ifylld-klinisk-sti");
    assert_eq!(
        read.get("klinisk-sti:patient.rikskod"),
        Some(&FieldValue::Text("19851234".into()))
    );
    assert_eq!(
        read.get("klinisk-sti:sjukdom.diagnos"),
        Some(&FieldValue::Ticked(vec!["klamydia".into()]))
    );
    assert_eq!(read.len(), sti.len() - 1);
}

/// Issue 12: Västra Götaland's offices on blank forms, by the contract's URL and by the batch page; an office is
/// checked against the region; a supplement never goes with a paragraph notification.
#[test]
fn blank_forms_for_an_office_and_no_supplement_with_a_paragraph_form() {
    let server = Server::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let batch = server.get("/blanketter/pdf?form=klinisk&region=14&office=uddevalla&count=2");
    assert_eq!(batch.status, 200, "{}", batch.text());
    let file = dir.path().join("vgr.pdf");
    std::fs::write(&file, &batch.body).unwrap();
    let text = pdf_text(&file);
    assert_eq!(
        text.matches("Smittskydd Västra Götaland, Uddevalla")
            .count(),
        2,
        "{text}"
    );
    let page = server.get("/blanketter").text();
    assert!(page.contains("<optgroup label=\"Västra Götalandsregionen\">"));
    let wrong = server.get("/blanketter/pdf?form=klinisk&region=01&office=boras&count=2");
    assert_eq!(wrong.status, 422);
    assert!(wrong.text().contains("har inga kontor"), "{}", wrong.text());
    // The contract's URL without an office: the unit's name, no address made up.
    let plain = server.get("/forms/klinisk.pdf?region=14");
    assert_eq!(plain.status, 200);
    std::fs::write(&file, &plain.body).unwrap();
    assert!(pdf_text(&file).contains("Postadressen saknas"));
    for url in [
        "/forms/paragraf-sti-foljsamhet.pdf?region=01&supplement=tillagg-tarm",
        "/forms/paragraf-ovrig.pdf?region=01&disease=hepatit_b&supplement=tillagg-hepatit",
    ] {
        let a = server.get(url);
        assert_eq!(a.status, 400, "{url}");
        assert!(
            a.text()
                .contains("Tilläggsuppgifter hör till en klinisk anmälan"),
            "{url}"
        );
    }
    // Version 2 is printed; version 1 is still known to the register.
    let v2 = server.get("/forms/klinisk.pdf?region=01");
    assert!(v2.header("x-blankett-id").unwrap().starts_with("KA2-"));
}
