//! The public site in headless Chromium for issue 12: the reporter in Västra Götaland chooses among the four
//! offices and the printed form carries that office (and no invented address); the on-screen form says how many
//! characters each field holds and refuses more with a message instead of cutting the text; a supplement asked
//! for with a paragraph notification, even by URL, is refused with a clear 4xx. Screenshots under
//! `target/test-output/browser-v2/`.

mod browser_support;
mod web_support;

use browser_support::*;
use fantoccini::Locator;
use web_support::*;

#[test]
fn vgr_office_choice_length_limits_and_refused_supplement() {
    let out = output_dir("browser-v2");
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
    let pdf_href = runtime.block_on(async {
        let client = browser(&driver, downloads.path(), profile.path()).await;
        let mut steps = Steps {
            client: &client,
            dir: &out,
            n: 0,
        };

        // Västra Götaland: no form is offered until an office is chosen.
        client.goto(&server.url("/klinisk")).await.unwrap();
        wait_for(&client, "#region").await;
        click(&client, "#region option[value='14']").await;
        click(&client, "label[for='sjukdom-v-salmonella']").await;
        click(&client, "form button[type='submit']:not([formaction])").await;
        wait_for(&client, "#office").await;
        let page = client.source().await.unwrap();
        for office in ["Borås", "Göteborg", "Skövde", "Uddevalla"] {
            assert!(page.contains(office), "{office} offered");
        }
        assert!(
            client
                .find_all(Locator::Css("a.valkort"))
                .await
                .unwrap()
                .is_empty(),
            "no form before an office is chosen"
        );
        steps.shot("vgr-valj-kontor").await;
        // A click on empty space (the heading's text) focuses main, and draws no frame.
        click(&client, "h1").await;
        let frame = client
            .execute(
                "const a = document.activeElement; const s = getComputedStyle(a); \
                 return [a.id, s.outlineStyle, s.boxShadow];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(frame[0], "innehall", "{frame:?}");
        assert_eq!(frame[1], "none", "{frame:?}");
        assert_eq!(frame[2], "none", "{frame:?}");
        click(&client, "label[for='office-skovde']").await;
        click(&client, "form.kontorsval button[type='submit']").await;
        wait_for(&client, "a.valkort[href^='/forms/']").await;
        let page = client.source().await.unwrap();
        assert!(
            page.contains("Smittskydd Västra Götaland, Skövde"),
            "the office is the addressee"
        );
        // No address is known for the office: the page says so and what to write, and promises no window.
        assert!(
            page.contains("Använd ett kuvert utan fönster"),
            "what to write on the envelope"
        );
        assert!(
            !page.contains("syns i fönstret"),
            "no window address promised"
        );
        steps.shot("vgr-kontor-valt").await;
        let href = client
            .find(Locator::Css("a.valkort[href^='/forms/']"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap();
        assert!(href.contains("office=skovde"), "{href}");

        // The on-screen form: the limit is shown, counted as one types, and more is refused with a message.
        click(&client, "a.valkort[href^='/fyll/']").await;
        wait_for(&client, "#f-klinisk-rapportor-namn").await;
        let help = client
            .find(Locator::Css("#f-klinisk-rapportor-namn-hjalp"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(help.contains("Högst 24 tecken"), "{help}");
        let office = client
            .find(Locator::Css("#office option[selected]"))
            .await
            .unwrap()
            .attr("value")
            .await
            .unwrap();
        assert_eq!(office.as_deref(), Some("skovde"), "the office comes along");
        let long = "Anna-Karin Lindqvist-Åberg Eriksson"; // 35 characters
        type_into(&client, "#f-klinisk-rapportor-namn", long).await;
        let note = client
            .find(Locator::Css("#f-klinisk-rapportor-namn-langd"))
            .await
            .unwrap();
        assert!(note.is_displayed().await.unwrap());
        let text = note.text().await.unwrap();
        assert!(
            text.contains("högst 24 tecken") && text.contains("du har skrivit 35"),
            "{text}"
        );
        steps.shot("for-langt-namn").await;
        click(&client, "label[for='f-klinisk-anmalan-typ-nytt-fall']").await;
        client
            .find(Locator::Css("form.blankett button[type='submit']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for(&client, "#felsammanfattning").await;
        let summary = client
            .find(Locator::Css("#felsammanfattning"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(summary.contains("Högst 24 tecken får plats"), "{summary}");
        let kept = client
            .find(Locator::Css("#f-klinisk-rapportor-namn"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(kept.as_deref(), Some(long), "nothing cut");
        steps.shot("for-langt-refuserat").await;

        // A supplement with a paragraph notification, by URL: refused, in Swedish.
        client
            .goto(&server.url("/forms/paragraf-ovrig.pdf?region=01&supplement=tillagg-tarm"))
            .await
            .unwrap();
        let page = client.source().await.unwrap();
        assert!(
            page.contains("Tilläggsuppgifter hör till en klinisk anmälan"),
            "{page}"
        );
        steps.shot("tillagg-till-paragraf").await;
        client.close().await.unwrap();
        href.replace("&amp;", "&")
    });

    // The refusal is a 400, and so is the batch page's; the paragraph form alone is printed.
    let refused = server.get("/forms/paragraf-ovrig.pdf?region=01&supplement=tillagg-tarm");
    assert_eq!(refused.status, 400);
    let batch = server
        .get("/blanketter/pdf?form=paragraf-ovrig&region=01&count=2&supplement=tillagg-hepatit");
    assert!((400..500).contains(&batch.status), "{}", batch.status);
    assert!(
        batch
            .text()
            .contains("Tilläggsuppgifter hör till en klinisk anmälan")
    );
    assert_eq!(
        server.get("/forms/paragraf-ovrig.pdf?region=01").status,
        200
    );

    // The blank PDF of the chosen office: the office named in the window, no address made up.
    let pdf = server.get(&pdf_href);
    assert_eq!(pdf.status, 200, "{pdf_href}");
    let file = out.join("vgr-skovde.pdf");
    std::fs::write(&file, &pdf.body).unwrap();
    let text = pdf_text(&file);
    assert!(
        text.contains("Smittskydd Västra Götaland, Skövde"),
        "{text}"
    );
    assert!(text.contains("Postadressen saknas"), "{text}");
    // A misspelt office is a 400 that names the offices.
    let bad = server.get("/forms/klinisk.pdf?region=14&office=lund");
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("Skövde"));
}
