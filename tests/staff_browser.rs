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
use staff_support::{PASSWORD, generate, key_path, prepared};
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

        // Ctrl+Enter registers.
        keys(&client, &format!("{CTRL}{ENTER}{RELEASE}")).await;
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
            log.contains("field_changed") && log.contains("Knivsta") && log.contains("anna"),
            "{log}"
        );
        assert!(log.contains("registered") && log.contains(&dnr), "{log}");
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
