//! Form definitions: every form loads and validates, the layout export keeps its contract, the STI/HIV rule holds,
//! and a broken definition is refused with a message that names what is wrong.

use blankett::forms::definition::{Check, FormKind};
use blankett::forms::layout::Geometry;
use blankett::forms::page::{self, Rect};
use blankett::forms::{FormError, Registry, export, validate};
use serde_json::Value;
use std::path::Path;

const REQUIRED_FORMS: &[&str] = &[
    "klinisk",
    "klinisk-sti",
    "paragraf-sti-provtagning",
    "paragraf-sti-foljsamhet",
    "paragraf-ovrig",
    "tillagg-tuberkulos",
    "tillagg-hepatit",
    "tillagg-mrsa-esbl-carba",
    "tillagg-tarm",
];

#[test]
fn every_definition_file_loads_and_validates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("forms");
    let from_disk = Registry::from_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    let embedded = Registry::embedded();
    assert_eq!(
        from_disk.all().count(),
        embedded.all().count(),
        "every file in forms/ is built in"
    );
    for name in REQUIRED_FORMS {
        let form = embedded.get(name, None).unwrap_or_else(|e| panic!("{e}"));
        let expect = if name.starts_with("tillagg-") {
            FormKind::Supplement
        } else {
            FormKind::Main
        };
        assert_eq!(form.kind(), expect, "{name}");
        assert!(
            form.layout.pages.iter().all(|p| !p.fields.is_empty()),
            "{name} has an empty page"
        );
    }
}

fn boxes_of(field: &Value) -> Vec<Rect> {
    let rect = |b: &Value| {
        let n = |k: &str| {
            b[k].as_f64()
                .unwrap_or_else(|| panic!("{k} missing in {b}")) as f32
        };
        Rect::new(n("x"), n("y"), n("w"), n("h"))
    };
    match field["kind"].as_str() {
        Some("comb") => field["cells"]
            .as_array()
            .expect("cells")
            .iter()
            .map(rect)
            .collect(),
        Some("choice") => field["options"]
            .as_array()
            .expect("options")
            .iter()
            .map(|o| rect(&o["box"]))
            .collect(),
        Some("text") => vec![rect(&field["box"])],
        other => panic!("unknown kind {other:?}"),
    }
}

#[test]
fn layout_export_keeps_the_contract() {
    for form in Registry::embedded().all() {
        let json = export::layout_json(form);
        assert_eq!(json["form"], form.name());
        assert_eq!(json["version"], form.version());
        assert_eq!(json["page_size_mm"], serde_json::json!([210.0, 297.0]));
        let pages = json["pages"].as_array().expect("pages");
        assert_eq!(pages.len(), form.page_count());
        for (i, p) in pages.iter().enumerate() {
            assert_eq!(p["page"], i + 1);
            for field in p["fields"].as_array().expect("fields") {
                let name = field["name"].as_str().expect("name");
                match field["kind"].as_str().expect("kind") {
                    "comb" => assert!(
                        ["digits", "letters", "text"]
                            .contains(&field["charset"].as_str().expect("charset")),
                        "{name}"
                    ),
                    "choice" => {
                        assert!(field["multiple"].is_boolean(), "{name}");
                        for o in field["options"].as_array().expect("options") {
                            assert!(o["value"].is_string(), "{name}");
                        }
                    }
                    "text" => {}
                    other => panic!("{name}: kind {other}"),
                }
                for b in boxes_of(field) {
                    assert!(
                        page::PRINTABLE.contains(&b),
                        "{}: {name} {b:?} off the printable area",
                        form.name()
                    );
                }
            }
        }
    }
}

#[test]
fn layout_command_prints_the_contract() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blankett"))
        .args(["layout", "--form", "klinisk", "--version", "1"])
        .output()
        .expect("run blankett");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let fields: Vec<&Value> = json["pages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["fields"].as_array().unwrap())
        .collect();
    let pnr = fields
        .iter()
        .find(|f| f["name"] == "patient.personnummer")
        .expect("patient.personnummer");
    assert_eq!(pnr["kind"], "comb");
    assert_eq!(pnr["charset"], "digits");
    assert_eq!(pnr["cells"].as_array().unwrap().len(), 12);
    let typ = fields
        .iter()
        .find(|f| f["name"] == "anmalan.typ")
        .expect("anmalan.typ");
    assert_eq!(typ["multiple"], false);
    assert!(
        typ["options"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["value"] == "nytt_fall")
    );
}

#[test]
fn sti_form_asks_for_no_identity_and_no_source() {
    let form = Registry::embedded().get("klinisk-sti", None).unwrap();
    assert!(form.def.sti_rule);
    let fields: Vec<_> = form.layout.pages.iter().flat_map(|p| &p.fields).collect();
    for f in &fields {
        assert!(
            !validate::STI_FORBIDDEN.contains(&f.name.as_str()),
            "{} on the STI form",
            f.name
        );
        assert!(
            !matches!(f.check, Some(Check::Personnummer | Check::Identitet)),
            "{} asks for a full identity",
            f.name
        );
        if let Geometry::Comb { cells, charset } = &f.geometry {
            assert!(
                !(cells.len() >= 10
                    && *charset == blankett::forms::definition::Charset::Digits
                    && f.name.starts_with("patient.")),
                "{} could hold a full personnummer",
                f.name
            );
        }
        assert!(
            !f.name.contains("namn") || f.name.starts_with("rapportor."),
            "{} asks for a name",
            f.name
        );
        assert!(!f.name.contains("adress"), "{} asks for an address", f.name);
    }
    assert!(
        fields.iter().any(|f| f.name == "patient.rikskod"),
        "the STI form asks for a rikskod"
    );
}

#[test]
fn every_box_is_clear_of_marks_qr_codes_and_each_other() {
    for form in Registry::embedded().all() {
        for p in &form.layout.pages {
            let first = p.page == 1 && form.kind() == FormKind::Main;
            let boxes: Vec<Rect> = p.fields.iter().flat_map(|f| f.boxes()).collect();
            for b in &boxes {
                for (zone, z) in page::reserved_zones(first) {
                    assert!(
                        !b.overlaps(&z),
                        "{} p{}: {b:?} overlaps {zone}",
                        form.name(),
                        p.page
                    );
                }
            }
            for (i, a) in boxes.iter().enumerate() {
                assert!(
                    boxes[i + 1..].iter().all(|b| !a.overlaps(b)),
                    "{} p{}: overlap at {a:?}",
                    form.name(),
                    p.page
                );
            }
            for f in &p.fields {
                if let Geometry::Comb { cells, .. } = &f.geometry {
                    assert!(
                        cells.iter().all(|c| c.w >= 5.0 && c.h >= 7.0),
                        "{}: cells too small",
                        f.name
                    );
                }
            }
        }
    }
}

const BASE: &str = r#"
form = "prov"
version = 1
code = "PV"
kind = "main"
title = "Prov"
[[page]]
[[page.section]]
heading = "Del"
[[page.section.field]]
name = "patient.personnummer"
label = "Personnummer"
kind = "comb"
charset = "digits"
cells = 12
"#;

fn load(extra: &str) -> Result<(), String> {
    let text = format!("{BASE}{extra}");
    blankett::forms::load_definition("forms/prov.v1.toml", &text)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[test]
fn overlapping_boxes_are_refused_by_name() {
    assert_eq!(load(""), Ok(()));
    let overlapping = r#"
[[page.section.field]]
name = "patient.namn"
label = "Namn"
kind = "comb"
charset = "text"
cells = 10
at = [20.0, 86.0]
"#;
    let err = load(overlapping).expect_err("overlap must be refused");
    assert!(
        err.contains("patient.namn")
            && err.contains("patient.personnummer")
            && err.contains("överlappar"),
        "{err}"
    );
}

#[test]
fn boxes_on_the_qr_code_or_too_small_are_refused() {
    let on_qr = r#"
[[page.section.field]]
name = "patient.namn"
label = "Namn"
kind = "comb"
charset = "text"
cells = 3
at = [172.0, 10.0]
"#;
    let err = load(on_qr).expect_err("a box on the QR code must be refused");
    assert!(err.contains("QR-kod uppe"), "{err}");
    let small = "\n[style]\ncell_w = 4.0\n";
    let err = load(small).expect_err("small cells must be refused");
    assert!(err.contains("minst 5 x 7"), "{err}");
}

#[test]
fn overflowing_page_and_bad_names_are_refused() {
    let many: String = (0..30)
        .map(|i| format!("\n[[page.section.field]]\nname = \"x.f{i}\"\nlabel = \"F\"\nkind = \"text\"\nfill = true\nheight = 12\n"))
        .collect();
    let err = load(&many).expect_err("overflow");
    assert!(err.contains("räcker inte till"), "{err}");
    let bad_date = "\n[[page.section.field]]\nname = \"x.start\"\nlabel = \"Start\"\nkind = \"comb\"\ncharset = \"digits\"\ncells = 8\ncheck = \"date\"\n";
    let err = load(bad_date).expect_err("date names end in datum");
    assert!(err.contains("x.start"), "{err}");
}

#[test]
fn unknown_form_and_version_fail_clearly() {
    let registry = Registry::embedded();
    assert!(matches!(
        registry.get("finns-inte", None),
        Err(FormError::UnknownForm(_))
    ));
    assert!(matches!(
        registry.get("klinisk", Some(99)),
        Err(FormError::UnknownVersion(_, 99))
    ));
}

#[test]
fn a_new_version_keeps_copies_of_the_old_one_readable() {
    let v1 = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("forms/klinisk.v1.toml"),
    )
    .unwrap();
    // Version 2 moves a field and adds one; copies printed from version 1 must still resolve to version 1's boxes.
    let v2 = v1
        .replace("version = 1", "version = 2")
        .replace("name = \"patient.kon\"", "name = \"patient.kon\"\nnew_row = true")
        .replacen("[[page.section.field]]\nname = \"patient.namn\"", "[[page.section.field]]\nname = \"patient.ny\"\nlabel = \"Nytt\"\nkind = \"text\"\nfill = true\n\n[[page.section.field]]\nname = \"patient.namn\"", 1);
    let registry = Registry::from_sources(
        [
            ("forms/klinisk.v1.toml", v1.as_str()),
            ("forms/klinisk.v2.toml", v2.as_str()),
        ]
        .into_iter(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        registry.get("klinisk", None).unwrap().version(),
        2,
        "the newest version is printed"
    );
    let old_id = blankett::formid::FormId::generate(registry.get("klinisk", Some(1)).unwrap().code);
    let parsed = blankett::formid::FormId::parse(&old_id.to_string()).unwrap();
    let old = registry
        .by_code(&parsed.form)
        .expect("version 1 is still known");
    assert_eq!(old.version(), 1);
    assert!(
        old.layout
            .pages
            .iter()
            .flat_map(|p| &p.fields)
            .all(|f| f.name != "patient.ny")
    );
    let new = registry.get("klinisk", Some(2)).unwrap();
    let kon = |form: &blankett::forms::Form| {
        form.layout.pages[0]
            .fields
            .iter()
            .find(|f| f.name == "patient.kon")
            .unwrap()
            .boxes()[0]
    };
    assert_ne!(kon(old), kon(new), "each version keeps its own geometry");
}

#[test]
fn a_form_code_belongs_to_one_form_for_ever() {
    let v1 = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("forms/klinisk.v1.toml"),
    )
    .unwrap();
    let thief = v1
        .replace("form = \"klinisk\"", "form = \"annan\"")
        .replace("version = 1", "version = 2");
    let err = Registry::from_sources(
        [
            ("forms/klinisk.v1.toml", v1.as_str()),
            ("forms/annan.v2.toml", thief.as_str()),
        ]
        .into_iter(),
    )
    .expect_err("another form may not take code KA");
    assert!(err.to_string().contains("KA"), "{err}");
    let dup = Registry::from_sources(
        [
            ("a/klinisk.v1.toml", v1.as_str()),
            ("b/klinisk.v1.toml", v1.as_str()),
        ]
        .into_iter(),
    )
    .expect_err("two files for one version");
    assert!(
        err.to_string().contains("används redan") || dup.to_string().contains("finns redan"),
        "{dup}"
    );
}

#[test]
fn a_misspelt_key_is_an_error_not_ignored() {
    let err = load(
        "\n[[page.section.field]]\nname = \"x.y\"\nlabel = \"Y\"\nkind = \"text\"\nhieght = 10\n",
    )
    .expect_err("typo");
    assert!(err.contains("hieght"), "{err}");
    let err = load(
        "\n[[page.section.field]]\nname = \"x.y\"\nlabel = \"Y\"\nkind = \"comb\"\ncells = 4\n",
    )
    .expect_err("comb without charset");
    assert!(err.contains("charset"), "{err}");
}

#[test]
fn forms_and_reference_data_agree() {
    let diseases = blankett::domain::diseases::Diseases::embedded();
    let registry = Registry::embedded();
    for form in registry.all() {
        for id in &form.def.diseases {
            assert!(
                diseases.get(id).is_some(),
                "{}: unknown disease id {id}",
                form.name()
            );
        }
        for field in form.layout.pages.iter().flat_map(|p| &p.fields) {
            if field.name == "sjukdom.diagnos"
                && let Geometry::Choice { options, .. } = &field.geometry
            {
                for o in options {
                    assert!(
                        diseases.get(&o.value).is_some(),
                        "{}: option {} is no disease id",
                        form.name(),
                        o.value
                    );
                }
            }
        }
    }
    for disease in diseases.all() {
        if let Some(supplement) = &disease.supplement {
            let form = registry
                .get(supplement, None)
                .unwrap_or_else(|e| panic!("{}: {e}", disease.id));
            assert_eq!(form.kind(), FormKind::Supplement);
            assert!(
                form.def.diseases.contains(&disease.id),
                "{} does not list {}",
                form.name(),
                disease.id
            );
        }
        if disease.sti_group {
            assert!(
                registry
                    .get("klinisk-sti", None)
                    .unwrap()
                    .def
                    .diseases
                    .contains(&disease.id),
                "{}",
                disease.id
            );
        }
    }
}

/// Issue 12: the newest version of every form holds a 31-character HSA-id, takes a reservnummer's letters in the
/// identity comb, and says "senast dagen efter" only on case notifications; version 1 stays as it was printed.
#[test]
fn version_2_holds_long_ids_and_version_1_stays() {
    let registry = Registry::embedded();
    let field = |form: &blankett::forms::Form, name: &str| {
        form.layout
            .pages
            .iter()
            .flat_map(|p| &p.fields)
            .find(|f| f.name == name)
            .cloned()
    };
    for form in registry.latest() {
        for f in form.layout.pages.iter().flat_map(|p| &p.fields) {
            if f.check == Some(Check::HsaId) {
                assert!(
                    f.boxes().len() >= validate::HSA_ID_MAX,
                    "{} {}",
                    form.name(),
                    f.name
                );
            }
            if f.check == Some(Check::Identitet) {
                assert!(
                    matches!(
                        f.geometry,
                        Geometry::Comb {
                            charset: blankett::forms::definition::Charset::Text,
                            ..
                        }
                    ),
                    "{} {}: a reservnummer has letters",
                    form.name(),
                    f.name
                );
            }
        }
    }
    for name in ["klinisk", "klinisk-sti"] {
        let v2 = registry.get(name, Some(2)).unwrap();
        for wanted in [
            "sjukdom.fall",
            "patient.fodelsear",
            "patient.alder",
            "prov.labnummer",
            "atgarder.forhallningsregler_vilka",
        ] {
            assert!(field(v2, wanted).is_some(), "{name} v2 has {wanted}");
        }
        let v1 = registry.get(name, Some(1)).unwrap();
        assert!(field(v1, "sjukdom.fall").is_none(), "{name} v1 unchanged");
        let hsa = field(v1, "rapportor.hsaid").unwrap();
        assert_eq!(hsa.boxes().len(), 18, "{name} v1 keeps its 18 cells");
    }
    assert!(
        field(registry.get("klinisk-sti", Some(2)).unwrap(), "patient.lan")
            .unwrap()
            .required,
        "hemortslän is required on the STI form"
    );
    // The deadline line: on case notifications, and on the paragraph forms' version 1 as printed, not after.
    let says_deadline = |form: &blankett::forms::Form| {
        form.layout.pages[0].drawing.iter().any(|p| {
            matches!(p, blankett::forms::layout::Primitive::Text { text, .. } if text.contains("senast dagen efter"))
        })
    };
    for form in registry.all().filter(|f| f.kind() == FormKind::Main) {
        let paragraph = form.name().starts_with("paragraf");
        assert_eq!(
            says_deadline(form),
            !paragraph || form.version() == 1,
            "{} v{}",
            form.name(),
            form.version()
        );
    }
    // No section of the law on a paragraph form without a source, and no "byte av behandlande läkare".
    for form in registry
        .latest()
        .filter(|f| f.name().starts_with("paragraf"))
    {
        let labels: Vec<String> = form
            .layout
            .pages
            .iter()
            .flat_map(|p| &p.fields)
            .filter_map(|f| match &f.geometry {
                Geometry::Choice { options, .. } => {
                    Some(options.iter().map(|o| o.label.clone()).collect::<Vec<_>>())
                }
                _ => None,
            })
            .flatten()
            .collect();
        assert!(
            !labels.iter().any(|l| l.contains("Byte av behandlande")),
            "{}",
            form.name()
        );
        assert!(
            !labels.iter().any(|l| l.contains("3 kap. 3 §")),
            "{}",
            form.name()
        );
        if form.name() == "paragraf-sti-provtagning" {
            assert!(!labels.iter().any(|l| l.contains("kap.")), "{labels:?}");
        }
    }
}

/// The klinisk form names the diseases phoned in at once: exactly those the reference data marks.
#[test]
fn the_form_names_the_diseases_phoned_in_at_once() {
    let diseases = blankett::domain::diseases::Diseases::embedded();
    let form = Registry::embedded().get("klinisk", None).unwrap();
    let note = form
        .def
        .pages
        .iter()
        .flat_map(|p| &p.sections)
        .map(|s| s.note.as_str())
        .find(|n| n.contains("Ring också"))
        .expect("a note on phoning");
    let phoned: Vec<&str> = diseases
        .all()
        .iter()
        .filter(|d| d.phone_at_once)
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(phoned.len(), 5, "{phoned:?}");
    for (id, name) in [
        ("botulism", "botulism"),
        ("ehec", "EHEC"),
        ("kolera", "kolera"),
        ("meningokocker", "meningokockinfektion"),
        ("rabies", "rabies"),
    ] {
        assert!(phoned.contains(&id), "{id}");
        assert!(note.contains(name), "{name} in {note}");
    }
}
