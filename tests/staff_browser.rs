//! The staff side in headless Chromium, the whole path of issue 6: a generated, handwritten scan taken in →
//! log in → the queue → open the document → correct one field with the keyboard only → register (Ctrl+Enter) →
//! the export downloaded by the browser holds the corrected value → the document log (as admin) holds the
//! change → a scan uploaded through the page. A screenshot of every step is saved under
//! `target/test-output/staff-browser/`.

mod browser_support;
mod staff_support;
mod web_support;

use browser_support::*;
use fantoccini::{Client, Locator};
use staff_support::{
    PASSWORD, WRONG_CHECK_DIGIT, generate, key_path, prepared, write_wrong_check_digit,
};
use std::time::Duration;
use web_support::*;

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const CTRL: &str = "\u{E009}";
/// Releases the modifiers held in one send_keys.
const RELEASE: &str = "\u{E000}";

async fn active_id(client: &Client) -> String {
    client
        .active_element()
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn keys(client: &Client, text: &str) {
    client
        .active_element()
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn count(client: &Client, css: &str) -> usize {
    client.find_all(Locator::Css(css)).await.unwrap().len()
}

/// Enter in the focused field, then wait until the script has moved on (or said why not).
async fn enter_and_wait(client: &Client) {
    let before = active_id(client).await;
    keys(client, ENTER).await;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(75)).await;
        if active_id(client).await != before {
            return;
        }
    }
}

/// Keyboard only: Enter through every field to look at, then every failed check let stand with a reason
/// (the disclosure opened with Enter, the reason typed, Enter). Asserts that nothing registered on the way.
async fn look_at_everything(client: &Client) {
    let url = client.current_url().await.unwrap();
    for _ in 0..120 {
        if count(client, ".pf.titta:not(.klar)").await == 0 {
            break;
        }
        // Where a person would put the cursor: in a field, when it is not in one already (a click would tick
        // a box, so the focus is set as Tab would).
        client
            .execute(
                "if (!document.activeElement.closest('.pf-varde')) { \
                   var pf = document.querySelector('.pf.titta:not(.klar)'); \
                   var i = pf.querySelector('.pf-varde input[type=text], .pf-varde textarea, \
                     .pf-varde input:checked, .pf-varde input'); \
                   i.focus(); }",
                vec![],
            )
            .await
            .unwrap();
        enter_and_wait(client).await;
    }
    assert_eq!(
        count(client, ".pf.titta:not(.klar)").await,
        0,
        "every field in doubt looked at"
    );
    while let Ok(pf) = client
        .find(Locator::Css(".pf.hinder.har-fel:not(.godtagen)"))
        .await
    {
        let summary = pf
            .find(Locator::Css("details.undantag summary"))
            .await
            .unwrap();
        summary.click().await.unwrap();
        let input = pf
            .find(Locator::Css("input[name^='undantag.']"))
            .await
            .unwrap();
        input.click().await.unwrap();
        keys(
            client,
            "Så står det på papperet; kontrollerat med anmälaren.",
        )
        .await;
        keys(client, ENTER).await;
        let id = pf.attr("id").await.unwrap().unwrap();
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(&format!("#{id}.godtagen")))
            .await
            .expect("the check is let stand");
    }
    assert_eq!(
        client.current_url().await.unwrap(),
        url,
        "nothing registered"
    );
    assert_eq!(text_of(client, "#att-titta").await, "0");
}

/// Whether the page is wider than the window (something cut or scrolling sideways).
async fn overflows(client: &Client) -> bool {
    client
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap()
}

async fn log_in(client: &Client, steps: &mut Steps<'_>, server: &Server, user: &str, shot: &str) {
    client.goto(&server.url("/staff/")).await.unwrap();
    wait_for(client, "#username").await;
    type_into(client, "#username", user).await;
    type_into(client, "#password", PASSWORD).await;
    if !shot.is_empty() {
        steps.shot(shot).await;
    }
    keys(client, ENTER).await;
    wait_for(client, "#antal-att-granska").await;
}

#[test]
fn from_a_scan_to_a_registered_notification_with_the_keyboard() {
    let out = output_dir("staff-browser");
    for e in std::fs::read_dir(&out).unwrap().flatten() {
        let _ = std::fs::remove_file(e.path());
    }
    let (dir, docs) = prepared();
    let doc = docs.iter().find(|d| d.region == "01").unwrap().clone();
    let server = Server::start_in(dir, &[]);
    let driver = start_driver();
    let downloads = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let upload = generate(78, 1, "skanner");
    let upload_path = out.join(&upload.files[0].0);
    std::fs::write(&upload_path, &upload.files[0].1).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let today = blankett::validation::swedish_today().to_string();
    let csv = runtime.block_on(async {
        let client = browser(&driver, downloads.path(), profile.path()).await;
        client.set_window_size(1440, 1000).await.unwrap();
        let mut steps = Steps {
            client: &client,
            dir: &out,
            n: 0,
        };

        // Without a session the staff pages lead to the log-in page.
        log_in(&client, &mut steps, &server, "anna", "inloggning").await;
        steps.shot("oversikt").await;

        // The queue, oldest first; open the document.
        click(&client, "a[href='/staff/att-granska']").await;
        wait_for(&client, "#ko").await;
        steps.shot("ko").await;
        let href = format!("/staff/dokument/{}", key_path(&doc.key));
        click(&client, &format!("#ko a[href='{href}']")).await;
        wait_for(&client, "#granskning").await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        steps.shot("granskning").await;

        // The script has put the cursor in the first field to look at, its text selected.
        let first = active_id(&client).await;
        assert!(first.starts_with("f-"), "focus in a field, not {first:?}");

        // Keyboard only: Tab to Postort, type over it, Enter saves and moves on.
        let mut tabs = 0;
        while active_id(&client).await != "f-patient-postort" {
            keys(&client, TAB).await;
            tabs += 1;
            assert!(tabs < 400, "Postort was not reached with Tab");
        }
        keys(&client, &format!("{CTRL}a{RELEASE}Knivsta")).await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        steps.shot("rattar-postort").await;
        keys(&client, ENTER).await;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#pf-f-patient-postort.rattad"))
            .await
            .expect("the correction is saved");
        let status = client
            .find(Locator::Id("granskningsstatus"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(status.contains("Sparat: Postort"), "{status}");
        assert_ne!(
            active_id(&client).await,
            "f-patient-postort",
            "Enter moved on"
        );
        steps.shot("rattat").await;

        // Enter through the fields in doubt: each is looked at, and Enter never registers. A failed check
        // is let stand with a reason, typed in the field's own box.
        look_at_everything(&client).await;
        steps.shot("granskat").await;

        // Ctrl+Enter asks: the confirmation lists what was let stand; its own key (R) registers.
        keys(&client, &format!("{CTRL}{ENTER}{RELEASE}")).await;
        wait_for(&client, "#bekrafta[open] #bekrafta-klar").await;
        steps.shot("bekrafta").await;
        keys(&client, "r").await;
        wait_for(&client, "#diarienummer").await;
        let dnr = client
            .find(Locator::Id("diarienummer"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(dnr.starts_with("SMI-01-"), "{dnr}");
        steps.shot("registrerad").await;

        // The export, downloaded by the browser.
        client.goto(&server.url("/staff/export")).await.unwrap();
        wait_for(&client, "#from").await;
        type_into(&client, "#from", "2020-01-01").await;
        type_into(&client, "#to", &today).await;
        steps.shot("export").await;
        click(&client, "form.radform button[type='submit']").await;
        let file = wait_for_file(downloads.path(), ".csv", Duration::from_secs(20))
            .expect("the export is downloaded");
        let csv = std::fs::read_to_string(&file).unwrap();
        assert!(csv.contains(&dnr) && csv.contains("Knivsta"), "{csv}");

        // The admin reads the document log: the change, who made it, the registration.
        click(&client, "form.utloggning button").await;
        wait_for(&client, "#username").await;
        log_in(&client, &mut steps, &server, "admin", "").await;
        client
            .goto(&server.url(&format!(
                "/staff/admin/logg?logg=dokument&document={}",
                doc.key
            )))
            .await
            .unwrap();
        wait_for(&client, "#logg").await;
        let log = client
            .find(Locator::Id("logg"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            log.contains("ändrade fält") && log.contains("Knivsta") && log.contains("anna"),
            "{log}"
        );
        assert!(log.contains("registrerade") && log.contains(&dnr), "{log}");
        let chain = client
            .find(Locator::Id("kedja"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(chain.contains("obruten"), "{chain}");
        steps.shot("dokumentlogg").await;
        client
            .goto(&server.url("/staff/admin/anvandare"))
            .await
            .unwrap();
        wait_for(&client, "#konton").await;
        steps.shot("anvandare").await;
        client
            .goto(&server.url(&format!(
                "/staff/postlista?region=01&from=2020-01-01&to={today}"
            )))
            .await
            .unwrap();
        wait_for(&client, "#postlista").await;
        let list = client
            .find(Locator::Id("postlista"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(list.contains(&dnr), "{list}");
        steps.shot("postlista").await;

        // A scan uploaded through the page, with the upload's progress, and what it became.
        client.goto(&server.url("/staff/inlasning")).await.unwrap();
        wait_for(&client, "#fil").await;
        client
            .find(Locator::Id("fil"))
            .await
            .unwrap()
            .send_keys(&upload_path.display().to_string())
            .await
            .unwrap();
        steps.shot("inlasning").await;
        click(&client, "#skicka").await;
        client
            .wait()
            .at_most(Duration::from_secs(180))
            .for_element(Locator::Css("#inlasta-dokument"))
            .await
            .expect("the upload's result page");
        steps.shot("inlast").await;
        client.close().await.unwrap();
        csv
    });
    std::fs::write(out.join("export.csv"), csv).unwrap();
    let log = server.log();
    assert!(!log.contains(PASSWORD));
    if let Some(pnr) = &doc.personnummer {
        assert!(
            !log.contains(pnr.as_str()),
            "the process log holds a personnummer"
        );
    }
}

/// Issue 13: a document with a personnummer written with a wrong check digit cannot be registered by accident.
/// Ctrl+Enter and Enter held down do not register; the page shows the paper's word and the suggestion; letting
/// the check stand needs a reason and is logged; the confirmation registers the clean document, with its own key;
/// the registered document has nothing left to edit. At 1024 px and at 700 px nothing is cut.
#[test]
fn a_wrong_check_digit_cannot_be_registered_by_accident() {
    let out = output_dir("staff-browser-granskning");
    for e in std::fs::read_dir(&out).unwrap().flatten() {
        let _ = std::fs::remove_file(e.path());
    }
    let (dir, docs) = prepared();
    let doc = docs.iter().find(|d| d.region == "01").unwrap().clone();
    write_wrong_check_digit(dir.path(), &doc.key);
    let server = Server::start_in(dir, &[]);
    let api = staff_support::Client::logged_in(&server, "anna");
    let state = || -> String {
        let (_, v) = api.json(&format!("/api/dokument/{}", key_path(&doc.key)));
        v["case"]["state"]["state"].as_str().unwrap().to_string()
    };
    let driver = start_driver();
    let downloads = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = browser(&driver, downloads.path(), profile.path()).await;
        client.set_window_size(1024, 900).await.unwrap();
        let mut steps = Steps {
            client: &client,
            dir: &out,
            n: 0,
        };
        log_in(&client, &mut steps, &server, "anna", "").await;
        let page = server.url(&format!("/staff/dokument/{}", key_path(&doc.key)));
        client.goto(&page).await.unwrap();
        wait_for(&client, "#granskning").await;
        tokio::time::sleep(Duration::from_millis(1200)).await;
        steps.shot("granskning-1024").await;
        assert!(!overflows(&client).await, "the page fits 1024 px");

        // The paper's word beside the suggestion and its reason; the input holds what was written.
        let suggestion = text_of(&client, "#forslag-f-patient-personnummer").await;
        assert!(
            suggestion.contains("Skrivet 19121212-1213: kontrollsiffran stämmer inte. Förslag: 19121212-1212"),
            "{suggestion}"
        );
        let written = client
            .find(Locator::Id("f-patient-personnummer"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(written.as_deref(), Some(WRONG_CHECK_DIGIT));
        client
            .execute(
                "document.getElementById('pf-f-patient-personnummer').scrollIntoView({block: 'center'});",
                vec![],
            )
            .await
            .unwrap();
        steps.shot("forslag").await;

        // Ctrl+Enter opens the confirmation, which says what stops the registration and offers no way on.
        keys(&client, &format!("{CTRL}{ENTER}{RELEASE}")).await;
        wait_for(&client, "#bekrafta[open] #bekrafta-hinder").await;
        let listed = text_of(&client, "#bekrafta-innehall").await;
        assert!(listed.contains("Nummer") && listed.contains("kontrollen stämmer inte"), "{listed}");
        steps.shot("bekrafta-hinder").await;
        // Enter held down, R, Ctrl+Enter again: nothing registers.
        keys(&client, &ENTER.repeat(12)).await;
        keys(&client, "rR").await;
        keys(&client, &format!("{CTRL}{ENTER}{RELEASE}")).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(client.current_url().await.unwrap().as_str(), page);
        assert_eq!(state(), "open");
        keys(&client, "\u{E00C}").await; // Escape
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(count(&client, "#bekrafta[open]").await, 0);

        // Enter held down through the fields (40 at once): it moves between fields, never registers, and
        // never leaves the focus on the register button.
        client
            .find(Locator::Id("f-patient-personnummer"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        keys(&client, &ENTER.repeat(40)).await;
        tokio::time::sleep(Duration::from_millis(3000)).await;
        assert_eq!(client.current_url().await.unwrap().as_str(), page);
        assert_eq!(state(), "open");
        assert_ne!(active_id(&client).await, "registrera");
        steps.shot("enter-hallen").await;

        // The register button (as Enter on it would) opens the confirmation; it does not send the form.
        click(&client, "#registrera").await;
        wait_for(&client, "#bekrafta[open]").await;
        assert!(
            !client
                .find(Locator::Id("bekrafta-registrera"))
                .await
                .unwrap()
                .is_displayed()
                .await
                .unwrap(),
            "no register button while a check fails"
        );
        keys(&client, "\u{E00C}").await;
        tokio::time::sleep(Duration::from_millis(300)).await;

        // Letting the check stand needs a reason: without one, nothing is let stand.
        let pnr = "#pf-f-patient-personnummer";
        click(&client, &format!("{pnr} details.undantag summary")).await;
        click(&client, &format!("{pnr} button.godta")).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let said = text_of(&client, "#granskningsstatus").await;
        assert!(said.contains("skriv ett skäl"), "{said}");
        assert_eq!(count(&client, &format!("{pnr}.godtagen")).await, 0);
        let reason = "Skrivet så av läkaren; rätt nummer begärt.";
        type_into(&client, "#u-f-patient-personnummer", reason).await;
        steps.shot("skal").await;
        keys(&client, ENTER).await;
        wait_for(&client, &format!("{pnr}.godtagen")).await;
        steps.shot("godtaget").await;

        // Narrow, the page stacks and nothing is cut.
        client.set_window_size(700, 900).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!overflows(&client).await, "the verification page fits 700 px");
        steps.shot("granskning-700").await;
        client.set_window_size(1024, 900).await.unwrap();

        // The rest looked at with the keyboard; the confirmation now lists what was let stand and registers
        // with R only, not with Enter.
        look_at_everything(&client).await;
        keys(&client, &format!("{CTRL}{ENTER}{RELEASE}")).await;
        wait_for(&client, "#bekrafta[open] #bekrafta-klar").await;
        let listed = text_of(&client, "#bekrafta-innehall").await;
        assert!(listed.contains("Godtaget trots kontroll") && listed.contains(reason), "{listed}");
        steps.shot("bekrafta-klar").await;
        keys(&client, &ENTER.repeat(8)).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(state(), "open", "Enter does not confirm");
        keys(&client, "r").await;
        wait_for(&client, "#diarienummer").await;
        let dnr = text_of(&client, "#diarienummer").await;
        assert!(dnr.starts_with("SMI-01-"), "{dnr}");
        assert_eq!(state(), "registered");
        steps.shot("registrerad").await;

        // Registered: values, not inputs; who (by name), when, the diarienummer; print and export remain.
        client.goto(&page).await.unwrap();
        wait_for(&client, "#registrerad-info").await;
        for editable in ["input:not([type=hidden])", "textarea", "select"] {
            assert_eq!(
                count(&client, &format!(".faltlista {editable}")).await,
                0,
                "{editable} on a registered document"
            );
        }
        let info = text_of(&client, "#registrerad-info").await;
        assert!(info.contains(&dnr) && info.contains("Test anna"), "{info}");
        assert_eq!(count(&client, "#skriv-ut").await, 1);
        steps.shot("registrerad-las").await;
        client.set_window_size(700, 900).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!overflows(&client).await, "the registered page fits 700 px");
        steps.shot("registrerad-700").await;
        client.close().await.unwrap();
    });

    // The document log holds the let-stand: who, when, why.
    let admin = staff_support::Client::logged_in(&server, "admin");
    let log = admin
        .get(&format!(
            "/staff/admin/logg.csv?logg=dokument&document={}",
            doc.key
        ))
        .text();
    let line = log
        .lines()
        .find(|l| l.contains("check_overridden"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(
        line.contains("anna")
            && line.contains("godtog trots kontroll")
            && line.contains("rätt nummer begärt"),
        "{line}"
    );
}

/// Issue 18: two copies of one photocopied blank whose pages came in while one of them was already being worked on
/// (so intake did not move its pages): both flagged. A person compares the other copy's pages beside this one and
/// swaps page 2 in one action; the values of page 2 follow the page, and the swap is in the document log.
#[test]
fn a_page_is_swapped_between_two_copies_of_one_photocopied_blank() {
    use blankett::synth::scenario::{self, IdMode, Spec};
    let out = output_dir("staff-browser-byt-sida");
    for e in std::fs::read_dir(&out).unwrap().flatten() {
        let _ = std::fs::remove_file(e.path());
    }
    let batch = scenario::generate(
        191,
        &Spec {
            documents: 2,
            copies_per_id: 2,
            forms: vec!["klinisk".into()],
            supplement_rate: 0.0,
            qualities: vec![blankett::synth::degrade::Quality::Office200],
            typed_rate: 0.0,
            upside_down_rate: 0.0,
            pages_per_file: Some(1),
            ids: IdMode::Seeded,
            threads: 2,
            prefix: "kopia".into(),
            ..Spec::default()
        },
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let file = |sheet: usize, page: u32| {
        let name = &batch.truth[sheet]
            .pages
            .iter()
            .find(|p| p.page == page)
            .unwrap()
            .file;
        let path = dir.path().join(name);
        let bytes = &batch.files.iter().find(|(n, _)| n == name).unwrap().1;
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let data = data_dir.path().to_path_buf();
    let id = blankett::formid::FormId::parse(&batch.truth[0].form_id).unwrap();
    // Sheet A's page 1 and sheet B's page 2 first: one document, which staff take on (forwarded to region 01).
    staff_support::intake(&data, &[file(0, 1), file(1, 2)]);
    let forward_all = || {
        staff_support::with_staff(&data, |store, staff| {
            if staff.accounts.get("admin").unwrap().is_none() {
                staff_support::add_accounts(staff);
            }
            let admin = staff.accounts.get("admin").unwrap().unwrap();
            for doc in store.documents.with_id(&id.compact()).unwrap() {
                if staff.casework.case(&doc).unwrap().region.is_none() {
                    staff
                        .casework
                        .forward(store, &doc.key, "01", "Testdata: kopierad blankett", &admin)
                        .unwrap();
                }
            }
            store.flush().unwrap();
        })
    };
    forward_all();
    staff_support::intake(&data, &[file(1, 1), file(0, 2)]);
    forward_all();
    let keys: Vec<String> = staff_support::with_staff(&data, |store, _| {
        let docs = store.documents.with_id(&id.compact()).unwrap();
        for d in &docs {
            assert!(
                d.flags.iter().any(|f| f == "osaker_parning"),
                "{}: {:?}",
                d.key,
                d.flags
            );
        }
        docs.iter().map(|d| d.key.clone()).collect()
    });
    assert_eq!(keys.len(), 2);
    let (first, second) = (keys[0].clone(), keys[1].clone());
    let server = Server::start_in(data_dir, &[]);
    let api = staff_support::Client::logged_in(&server, "anna");
    let page2 = |key: &str| -> Vec<(String, serde_json::Value, f64)> {
        let (status, v) = api.json(&format!("/api/dokument/{}", key_path(key)));
        assert_eq!(status, 200, "{v}");
        v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["page"] == 2)
            .map(|f| {
                (
                    f["name"].as_str().unwrap().to_string(),
                    f["value"].clone(),
                    f["confidence"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    let (first_before, second_before) = (page2(&first), page2(&second));
    assert_ne!(first_before, second_before, "two writers, two page 2s");
    assert!(
        first_before
            .iter()
            .chain(&second_before)
            .all(|(_, _, c)| *c < 0.9),
        "flagged copies: no field at 0.9"
    );
    let driver = start_driver();
    let downloads = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = browser(&driver, downloads.path(), profile.path()).await;
        client.set_window_size(1280, 1100).await.unwrap();
        let mut steps = Steps {
            client: &client,
            dir: &out,
            n: 0,
        };
        log_in(&client, &mut steps, &server, "anna", "").await;
        client
            .goto(&server.url(&format!("/staff/dokument/{}", key_path(&first))))
            .await
            .unwrap();
        wait_for(&client, "#andra-exemplar").await;
        let warning = text_of(&client, "main").await;
        assert!(
            warning.contains(
                "Samma blankett-id på två ifyllda exemplar — kontrollera att sidorna hör ihop"
            ),
            "{warning}"
        );
        tokio::time::sleep(Duration::from_millis(1200)).await;
        steps.shot("tva-exemplar").await;
        client
            .execute(
                "document.getElementById('andra-exemplar').scrollIntoView({block: 'start'});",
                vec![],
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(600)).await;
        steps.shot("jamfor-sidorna").await;
        let button = format!("#byt-{}-2", second.replace('#', "-"));
        click(&client, &button).await;
        wait_for(&client, "#bytt-kvitto").await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        steps.shot("sida-2-bytt").await;
        // Compared after the swap: the pages belong together now.
        click(&client, "#sidorna-hor-ihop").await;
        wait_for(&client, "#ihop-kvitto").await;
        let page = text_of(&client, "main").await;
        assert!(
            !page.contains("kontrollera att sidorna hör ihop"),
            "the warning is gone: {page}"
        );
        steps.shot("sidorna-hor-ihop").await;

        // The admin reads the document log: the swap, by whom, on both copies.
        click(&client, "form.utloggning button").await;
        wait_for(&client, "#username").await;
        log_in(&client, &mut steps, &server, "admin", "").await;
        for key in [&first, &second] {
            client
                .goto(&server.url(&format!(
                    "/staff/admin/logg?logg=dokument&document={}",
                    key.replace('#', "%23")
                )))
                .await
                .unwrap();
            wait_for(&client, "#logg").await;
            let log = text_of(&client, "#logg").await;
            assert!(
                log.contains("bytte sida")
                    && log.contains("sida 2 bytt")
                    && log.contains("anna")
                    && log.contains("bekräftade parning"),
                "{key}: {log}"
            );
        }
        steps.shot("dokumentlogg").await;
        client.close().await.unwrap();
    });
    // Page 2 and its values went over: each copy now has the other's page 2.
    let (first_after, second_after) = (page2(&first), page2(&second));
    let values = |v: &[(String, serde_json::Value, f64)]| -> Vec<(String, serde_json::Value)> {
        v.iter().map(|(n, v, _)| (n.clone(), v.clone())).collect()
    };
    assert_eq!(values(&first_after), values(&second_before));
    assert_eq!(values(&second_after), values(&first_before));
}
