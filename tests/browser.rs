//! The public site in headless Chromium, driven over WebDriver (Debian's chromium and chromium-driver, installed by
//! scripts/install-deps.sh): from the start page to a downloaded filled PDF, with a screenshot of every step under
//! `target/test-output/browser/`. The PDF's data QR code is then read back and must give exactly what was typed.

mod browser_support;
mod web_support;

use blankett::validation::FieldValue;
use browser_support::*;
use fantoccini::Locator;
use std::time::Duration;
use web_support::*;

/// What the test types, as (input id, text) and the value the data QR code must carry.
const TYPED: &[(&str, &str, &str)] = &[
    (
        "f-klinisk-patient-namn",
        "Zyxwvutsson, Åsa-Öjvind",
        "patient.namn",
    ),
    (
        "f-klinisk-patient-adress",
        "Qvarnvägen 7 lgh 1203",
        "patient.adress",
    ),
    (
        "f-klinisk-patient-postnummer",
        "12345",
        "patient.postnummer",
    ),
    ("f-klinisk-patient-postort", "Bålsta", "patient.postort"),
    ("f-klinisk-patient-lan", "Uppsala", "patient.lan"),
    ("f-klinisk-smitta-land", "Thailand", "smitta.land"),
    (
        "f-klinisk-smitta-kalla",
        "Grillad kyckling från gatukök i Phuket, 2 maj",
        "smitta.kalla",
    ),
    ("f-klinisk-rapportor-namn", "Dr Ek", "rapportor.namn"),
    ("f-klinisk-rapportor-datum", "20260105", "rapportor.datum"),
];

#[test]
fn from_the_start_page_to_a_downloaded_filled_pdf() {
    let out = output_dir("browser");
    for e in std::fs::read_dir(&out).unwrap().flatten() {
        let _ = std::fs::remove_file(e.path());
    }
    let server = Server::start(&[]);
    let driver = start_driver();
    let downloads = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = browser(&driver, downloads.path(), profile.path()).await;
        let mut steps = Steps {
            client: &client,
            dir: &out,
            n: 0,
        };
        client.goto(&server.url("/")).await.unwrap();
        steps.shot("startsida").await;
        click(&client, "a.valkort[href='/klinisk']").await;
        wait_for(&client, "#region").await;

        // Region, then the disease search with the script filtering as one types.
        click(&client, "#region option[value='03']").await;
        type_into(&client, "#q", "salmon").await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        let visible: Vec<String> = {
            let items = client
                .find_all(Locator::Css("#sjukdomar li[data-sok]"))
                .await
                .unwrap();
            let mut names = Vec::new();
            for li in items {
                if li.is_displayed().await.unwrap() {
                    names.push(li.text().await.unwrap());
                }
            }
            names
        };
        assert_eq!(
            visible,
            ["Salmonellainfektion"],
            "the filter shows one match"
        );
        steps.shot("sok-sjukdom").await;
        click(&client, "label[for='sjukdom-v-salmonella']").await;
        click(&client, "form button[type='submit']:not([formaction])").await;
        wait_for(&client, "a.valkort[href^='/fyll/']").await;
        let page = client.source().await.unwrap();
        assert!(page.contains("Tarminfektion"), "the supplement is named");
        steps.shot("vald-blankett").await;
        click(&client, "a.valkort[href^='/fyll/']").await;
        wait_for(&client, "#f-klinisk-patient-personnummer").await;
        steps.shot("formular").await;

        // Fill in, with a wrong check digit first.
        click(&client, "label[for='f-klinisk-anmalan-typ-nytt-fall']").await;
        click(&client, "label[for='f-klinisk-sjukdom-fall-bekraftat']").await;
        click(
            &client,
            "label[for='f-klinisk-patient-identitetstyp-personnummer']",
        )
        .await;
        click(&client, "label[for='f-klinisk-patient-kon-kvinna']").await;
        type_into(&client, "#f-klinisk-patient-personnummer", "19811218-9875").await;
        for (id, text, _) in TYPED {
            type_into(&client, &format!("#{id}"), text).await;
        }
        click(&client, "label[for='f-klinisk-smitta-vag-livsmedel']").await;
        client
            .find(Locator::Css("form.blankett button[type='submit']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for(&client, "#felsammanfattning").await;
        let page = client.source().await.unwrap();
        assert!(page.contains("Kontrollsiffran stämmer inte"));
        assert!(
            page.contains("Zyxwvutsson, Åsa-Öjvind"),
            "typed values are kept"
        );
        steps.shot("fel-vid-faltet").await;

        // Correct it from the error summary, with the keyboard.
        click(
            &client,
            "#felsammanfattning a[href='#f-klinisk-patient-personnummer']",
        )
        .await;
        let active = client.active_element().await.unwrap();
        assert_eq!(
            active.attr("id").await.unwrap().as_deref(),
            Some("f-klinisk-patient-personnummer")
        );
        active.clear().await.unwrap();
        active.send_keys("198112189876").await.unwrap();
        active.send_keys("\u{E007}").await.unwrap(); // Enter submits the form.
        let pdf = wait_for_file(downloads.path(), ".pdf", Duration::from_secs(30))
            .expect("the filled PDF is downloaded");
        steps.shot("pdf-hamtad").await;
        client.close().await.unwrap();
        pdf
    });
    let pdf = wait_for_file(downloads.path(), ".pdf", Duration::from_secs(5)).unwrap();
    let saved = out.join("ifylld.pdf");
    std::fs::copy(&pdf, &saved).unwrap();

    // The PDF, as a scanner at 200 dpi sees it: every page's data QR code decodes to exactly what was typed.
    let pages = rasterise(&saved, 200);
    assert_eq!(pages.len(), 3, "klinisk (2) + tillagg-tarm (1)");
    let mut read = std::collections::BTreeMap::new();
    for (i, img) in pages.iter().enumerate() {
        img.save(out.join(format!("pdf-sida-{}.png", i + 1)))
            .unwrap();
        let page = data_qr_page(img, 200).unwrap_or_else(|e| panic!("page {}: {e}", i + 1));
        for (k, v) in page.values {
            read.insert(format!("{}:{k}", page.form), v);
        }
    }
    for (_, typed, field) in TYPED {
        assert_eq!(
            read.get(&format!("klinisk:{field}")),
            Some(&FieldValue::Text(typed.to_string())),
            "{field}"
        );
    }
    assert_eq!(
        read.get("klinisk:patient.personnummer"),
        Some(&FieldValue::Text("198112189876".into()))
    );
    assert_eq!(
        read.get("klinisk:sjukdom.diagnos"),
        Some(&FieldValue::Ticked(vec!["salmonella".into()]))
    );
    assert_eq!(
        read.get("klinisk:sjukdom.fall"),
        Some(&FieldValue::Ticked(vec!["bekraftat".into()]))
    );
    let log = server.log();
    for (_, typed, _) in TYPED.iter().filter(|(_, t, _)| t.len() > 6) {
        assert!(
            !log.contains(typed),
            "the server log holds {typed:?}:\n{log}"
        );
    }
    assert!(!log.contains("198112189876"));
}
