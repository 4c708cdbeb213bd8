use super::*;
use crate::forms::Registry;
use time::macros::date;

fn form(name: &str) -> &'static Form {
    Registry::embedded().get(name, None).unwrap()
}

fn ctx() -> Context<'static> {
    Context {
        today: date!(2026 - 01 - 10),
        diseases: Diseases::embedded(),
    }
}

fn text(v: &str) -> FieldValue {
    FieldValue::Text(v.into())
}

fn ticked(v: &[&str]) -> FieldValue {
    FieldValue::Ticked(v.iter().map(|s| s.to_string()).collect())
}

/// A klinisk form that passes every check.
fn valid_klinisk() -> FormValues {
    let mut v = FormValues::new();
    v.insert("anmalan.typ".into(), ticked(&["nytt_fall"]));
    v.insert("sjukdom.fall".into(), ticked(&["bekraftat"]));
    v.insert("sjukdom.diagnos".into(), ticked(&["kikhosta"]));
    v.insert("patient.identitetstyp".into(), ticked(&["personnummer"]));
    v.insert("patient.personnummer".into(), text("198112189876"));
    v.insert("patient.namn".into(), text("Andersson, Anna"));
    v.insert("rapportor.namn".into(), text("Berit Ek"));
    v.insert("rapportor.datum".into(), text("20260105"));
    v
}

fn check(name: &str, values: FormValues) -> Vec<(String, String)> {
    let mut all = BTreeMap::new();
    all.insert(name.to_string(), values);
    check_copy(&[form(name)], &all, &ctx())
        .into_iter()
        .map(|e| (e.field, e.message))
        .collect()
}

fn field_def(form_name: &str, field: &str) -> &'static FieldDefinition {
    fields(form(form_name)).find(|f| f.name == field).unwrap()
}

#[test]
fn normalisation_drops_separators_in_digit_boxes_only() {
    let pnr = field_def("klinisk", "patient.personnummer");
    assert_eq!(normalize(pnr, " 19811218-9876 "), "198112189876");
    let datum = field_def("klinisk", "rapportor.datum");
    assert_eq!(normalize(datum, "2026-01-05"), "20260105");
    let namn = field_def("klinisk", "patient.namn");
    assert_eq!(
        normalize(namn, "  Åström-Öberg, Ève \n"),
        "Åström-Öberg, Ève"
    );
    let kalla = field_def("klinisk", "smitta.kalla");
    assert_eq!(normalize(kalla, "rad ett\r\nrad två"), "rad ett\nrad två");
}

#[test]
fn a_valid_form_passes() {
    assert_eq!(check("klinisk", valid_klinisk()), vec![]);
}

#[test]
fn required_fields_and_identity_checks() {
    let mut v = valid_klinisk();
    v.remove("patient.namn");
    v.insert("patient.personnummer".into(), text("198112189875"));
    let errors = check("klinisk", v);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].0, "patient.personnummer");
    assert!(errors[0].1.contains("Kontrollsiffran"));
    assert_eq!(
        errors[1],
        ("patient.namn".into(), "Fyll i det här fältet.".into())
    );

    // A samordningsnummer under the personnummer box, and the other way round.
    let mut v = valid_klinisk();
    v.insert("patient.personnummer".into(), text("197010632391"));
    let errors = check("klinisk", v.clone());
    assert!(
        errors[0].1.contains("kryssa Samordningsnummer"),
        "{errors:?}"
    );
    v.insert(
        "patient.identitetstyp".into(),
        ticked(&["samordningsnummer"]),
    );
    assert_eq!(check("klinisk", v.clone()), vec![]);
    v.insert("patient.personnummer".into(), text("198112189876"));
    assert!(
        check("klinisk", v.clone())[0]
            .1
            .contains("Kryssa Personnummer")
    );
    // A reservnummer has no national format: regional shapes with letters are taken, with a birth year or age.
    v.insert("patient.identitetstyp".into(), ticked(&["reservnummer"]));
    v.insert("patient.personnummer".into(), text("990012345678"));
    let errors = check("klinisk", v.clone());
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors
            .iter()
            .all(|(_, m)| m.contains("födelseår eller ålder"))
    );
    v.insert("patient.fodelsear".into(), text("1981"));
    assert_eq!(check("klinisk", v.clone()), vec![]);
    v.remove("patient.fodelsear");
    v.insert("patient.alder".into(), text("44"));
    for number in ["19810829M071", "19810829SU3A"] {
        v.insert("patient.personnummer".into(), text(number));
        assert_eq!(check("klinisk", v.clone()), vec![], "{number}");
    }
    v.insert("patient.personnummer".into(), text("19810829-M07"));
    assert!(
        check("klinisk", v.clone())[0]
            .1
            .contains("bara bokstäver A–Z och siffror")
    );
    v.insert("patient.alder".into(), text("131"));
    v.insert("patient.personnummer".into(), text("19810829M071"));
    assert!(check("klinisk", v.clone())[0].1.contains("0–130"));
    v.insert("patient.alder".into(), text("44"));
    v.insert("patient.fodelsear".into(), text("2027"));
    assert!(
        check("klinisk", v.clone())[0]
            .1
            .contains("fyra siffror, mellan 1896 och 2026")
    );
    // Letters with personnummer ticked: the message points to the reservnummer.
    v.remove("patient.fodelsear");
    v.insert("patient.identitetstyp".into(), ticked(&["personnummer"]));
    assert!(check("klinisk", v)[0].1.contains("Kryssa Reservnummer"));
}

#[test]
fn version_1_keeps_its_digit_cells_and_its_rules() {
    let v1 = Registry::embedded().get("klinisk", Some(1)).unwrap();
    let mut all = BTreeMap::new();
    let mut v = valid_klinisk();
    v.remove("sjukdom.fall");
    v.insert("patient.identitetstyp".into(), ticked(&["reservnummer"]));
    v.insert("patient.personnummer".into(), text("990012345678"));
    all.insert("klinisk".to_string(), v.clone());
    // Taken as written, no birth year asked for: version 1 printed neither the letters nor the question.
    assert_eq!(check_copy(&[v1], &all, &ctx()), vec![]);
    v.insert("patient.personnummer".into(), text("19810829M071"));
    all.insert("klinisk".to_string(), v);
    let errors = check_copy(&[v1], &all, &ctx());
    assert!(errors[0].message.contains("Bara siffror"), "{errors:?}");
    let pnr = fields(v1)
        .find(|f| f.name == "patient.personnummer")
        .unwrap();
    assert_eq!(normalize(pnr, "19810829-m071"), "19810829m071");
    let pnr2 = field_def("klinisk", "patient.personnummer");
    assert_eq!(normalize(pnr2, " 19810829-m071 "), "19810829M071");
}

#[test]
fn hsa_ids_under_twelve_digit_organisation_numbers_fit_version_2() {
    let mut v = valid_klinisk();
    v.insert(
        "rapportor.hsaid".into(),
        text("SE165565594230-WEBCERT00001"),
    );
    assert_eq!(check("klinisk", v.clone()), vec![]);
    let longest = format!("SE165565594230-{}", "A".repeat(16));
    assert_eq!(longest.len(), 31);
    v.insert("rapportor.hsaid".into(), text(&longest));
    assert_eq!(check("klinisk", v.clone()), vec![]);
    v.insert("rapportor.hsaid".into(), text(&format!("{longest}B")));
    assert!(check("klinisk", v)[0].1.contains("Högst 31 tecken"));
}

#[test]
fn shapes_dates_and_codes() {
    let mut v = valid_klinisk();
    v.insert("patient.postnummer".into(), text("1234"));
    v.insert("patient.telefon".into(), text("08x"));
    v.insert(
        "patient.namn".into(),
        text("Ett namn som är alldeles för långt"),
    );
    v.insert("sjukdom.diagnosdatum".into(), text("20250230"));
    v.insert("rapportor.datum".into(), text("20260111"));
    v.insert("rapportor.hsaid".into(), text("SE2321000016"));
    v.insert("patient.lan".into(), text("Oslo"));
    v.insert("smitta.land".into(), text("Atlantis"));
    v.insert(
        "anmalan.typ".into(),
        ticked(&["nytt_fall", "kompletterande"]),
    );
    let errors: BTreeMap<String, String> = check("klinisk", v).into_iter().collect();
    let has = |field: &str, words: &str| {
        let m = errors
            .get(field)
            .unwrap_or_else(|| panic!("{field}: {errors:?}"));
        assert!(m.contains(words), "{field}: {m}");
    };
    has("patient.postnummer", "fem siffror");
    has("patient.telefon", "Bara siffror");
    has("patient.namn", "Högst 24 tecken");
    has("sjukdom.diagnosdatum", "februari har inte 30 dagar");
    has("rapportor.datum", "har inte varit än");
    has("rapportor.hsaid", "bindestreck");
    has("patient.lan", "inget svenskt län");
    has("smitta.land", "inget land");
    has("anmalan.typ", "bara ett alternativ");
}

#[test]
fn form_rules_date_order_and_requires() {
    let mut v = valid_klinisk();
    v.insert("sjukdom.insjukningsdatum".into(), text("20260104"));
    v.insert("sjukdom.diagnosdatum".into(), text("20260103"));
    v.insert("patient.riskyrke".into(), ticked(&["forskola"]));
    v.insert("atgarder.forhallningsregler".into(), ticked(&["ja"]));
    let errors = check("klinisk", v);
    assert_eq!(errors.len(), 3, "{errors:?}");
    // In the order of the paper: the preschool is asked on page 1 in version 2.
    assert_eq!(
        errors[0],
        ("patient.forskola".into(), "Ange förskolans namn.".into())
    );
    assert_eq!(errors[1].0, "sjukdom.diagnosdatum");
    assert!(errors[1].1.starts_with("Insjukning ska vara före diagnos"));
    assert_eq!(
        errors[2],
        (
            "atgarder.forhallningsregler_vilka".into(),
            "Kryssa vilka förhållningsregler som getts.".into()
        )
    );
}

#[test]
fn the_sti_rule_across_forms() {
    // Klamydia on the klinisk form, written or (on another form) ticked.
    let mut v = valid_klinisk();
    v.remove("sjukdom.diagnos");
    v.insert("sjukdom.annan".into(), text("Klamydia"));
    let errors = check("klinisk", v);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].1.contains("klinisk-sti"));
    // A disease other than the four on the STI form is refused there.
    let sti = form("klinisk-sti");
    assert!(disease_fits_form(sti, Diseases::embedded().get("salmonella").unwrap()).is_err());
    assert!(disease_fits_form(sti, Diseases::embedded().get("hiv").unwrap()).is_ok());
    // The STI form asks for no identity at all.
    for f in fields(sti) {
        assert!(
            !crate::forms::validate::STI_FORBIDDEN.contains(&f.name.as_str()),
            "{}",
            f.name
        );
    }
    // A disease must be named, once.
    let mut v = valid_klinisk();
    v.remove("sjukdom.diagnos");
    assert!(
        check("klinisk", v.clone())[0]
            .1
            .contains("Ange vilken sjukdom")
    );
    v.insert("sjukdom.diagnos".into(), ticked(&["kikhosta"]));
    v.insert("sjukdom.annan".into(), text("Mässling"));
    assert!(check("klinisk", v)[0].1.contains("bara en sjukdom"));
    // Laboratory-only diseases are refused with the reason; covid-19's exception is accepted.
    let mut v = valid_klinisk();
    v.remove("sjukdom.diagnos");
    v.insert("sjukdom.annan".into(), text("influensa"));
    assert!(
        check("klinisk", v.clone())[0]
            .1
            .contains("endast av laboratoriet")
    );
    v.insert("sjukdom.annan".into(), text("Covid-19"));
    assert_eq!(check("klinisk", v), vec![]);
}

#[test]
fn rikskod_on_the_sti_form() {
    let sti = form("klinisk-sti");
    let f = fields(sti)
        .find(|f| f.check == Some(Check::Rikskod))
        .unwrap();
    let mut v = FormValues::new();
    v.insert("patient.kodtyp".into(), ticked(&["rikskod"]));
    assert!(check_field(sti, f, &text("19801234"), &v, &ctx()).is_ok());
    let e = check_field(sti, f, &text("18801234"), &v, &ctx()).unwrap_err();
    assert!(e.contains("inte rimligt"), "{e}");
}

#[test]
fn diseases_resolve_by_name_id_or_unique_part() {
    let d = Diseases::embedded();
    assert_eq!(resolve_disease("salmonella", d).unwrap().id, "salmonella");
    assert_eq!(resolve_disease("Mässling", d).unwrap().id, "massling");
    assert_eq!(resolve_disease("EHEC", d).unwrap().id, "ehec");
    assert!(resolve_disease("hepatit", d).unwrap_err().contains("flera"));
    assert!(
        resolve_disease("xyz", d)
            .unwrap_err()
            .contains("finns inte")
    );
}

#[test]
fn capacity_is_checked_per_box_and_per_page() {
    let parts = [form("klinisk")];
    let mut v = valid_klinisk();
    v.insert("smitta.kalla".into(), text(&"ord ".repeat(200)));
    let mut all = BTreeMap::new();
    all.insert("klinisk".to_string(), v.clone());
    let errors = check_capacity(&parts, &all);
    assert_eq!(errors[0].field, "smitta.kalla");
    assert!(errors[0].message.contains("ryms inte i rutan"));
    // Within each box, but too much for the page's data code.
    // Text that does not compress: pseudo-random words.
    let mut seed = 7u32;
    let mut words = |n: usize| -> String {
        (0..n)
            .map(|_| {
                (0..5)
                    .map(|_| {
                        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        char::from(b'a' + ((seed >> 16) % 26) as u8)
                    })
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    v.insert("smitta.kalla".into(), text(&words(60)));
    v.insert("atgarder.ovrigt".into(), text(&words(60)));
    all.insert("klinisk".to_string(), v);
    let errors = check_capacity(&parts, &all);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("sidan 2"), "{errors:?}");
}

#[test]
fn sti_version_2_asks_for_hemortslan_and_a_birth_year_with_another_number() {
    let mut v = FormValues::new();
    v.insert("anmalan.typ".into(), ticked(&["nytt_fall"]));
    v.insert("sjukdom.fall".into(), ticked(&["bekraftat"]));
    v.insert("sjukdom.diagnos".into(), ticked(&["klamydia"]));
    v.insert("sjukdom.diagnosdatum".into(), text("20260104"));
    v.insert("patient.kodtyp".into(), ticked(&["annat_nummer"]));
    v.insert("patient.annat_nummer".into(), text("19810829M071"));
    v.insert("rapportor.namn".into(), text("Anna-Karin Lindqvist"));
    v.insert("rapportor.datum".into(), text("20260105"));
    let errors: Vec<String> = check("klinisk-sti", v.clone())
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(
        errors,
        ["patient.fodelsear", "patient.alder", "patient.lan"],
        "birth year or age, and hemortslän"
    );
    v.insert("patient.alder".into(), text("44"));
    v.insert("patient.lan".into(), text("Värmland"));
    assert_eq!(check("klinisk-sti", v), vec![]);
}
