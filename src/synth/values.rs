//! Realistic random values for the fields of a form, from a seeded generator.
//!
//! One made-up patient and one reporting doctor per copy: the name, address, postnummer, county, personnummer
//! (or samordningsnummer, with the right Luhn check digit), rikskod and birth year agree with each other; the
//! disease fits the form and its supplement and is ticked or written once; dates exist, lie before the reference
//! day and follow the form's `date_order` rules; fields a ticked option `requires` are filled. Text is written
//! as people write in boxes: capitals with Å, Ä and Ö, hyphens in double names. Optional fields are left empty
//! at a chosen rate. The values pass the project's own checks (`validation::check_copy`); the tests hold this.

use super::stroke::chance;
use crate::domain::countries::Countries;
use crate::domain::diseases::{Disease, Diseases};
use crate::domain::identity::luhn_check_digit;
use crate::forms::Form;
use crate::forms::definition::{
    Charset, Check, FieldDefinition, FieldKind, FormKind, OptionDefinition, RuleDefinition,
};
use crate::validation::{self, FieldValue, FormValues};
use rand::RngExt;
use rand::seq::IndexedRandom;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Date, Duration, Month};

/// The value of one field: the text of a comb or a text box, or the ticked options of a choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    Choices(Vec<String>),
}

impl Value {
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            Value::Choices(_) => None,
        }
    }

    pub fn choices(&self) -> &[String] {
        match self {
            Value::Choices(v) => v,
            Value::Text(_) => &[],
        }
    }
}

/// Values by field name; empty fields are absent.
pub type Values = BTreeMap<String, Value>;

/// The identity number written with a wrong check digit (the last digit one more, modulo ten), as a hurried
/// writer does now and then.
pub fn miswrite_check_digit(values: &mut Values) {
    for (name, v) in values.iter_mut() {
        if let Value::Text(t) = v
            && (name.ends_with("personnummer") || name.ends_with("identitet"))
            && t.len() == 12
            && let Some(last) = t.pop()
            && let Some(d) = last.to_digit(10)
        {
            t.push(char::from_digit((d + 1) % 10, 10).unwrap_or('0'));
        }
    }
}

/// The values in the form `validation` checks.
pub fn to_form_values(values: &Values) -> FormValues {
    values
        .iter()
        .map(|(k, v)| {
            let fv = match v {
                Value::Text(t) => FieldValue::Text(t.clone()),
                Value::Choices(c) => FieldValue::Ticked(c.clone()),
            };
            (k.clone(), fv)
        })
        .collect()
}

/// How values are chosen.
#[derive(Debug, Clone)]
pub struct Options {
    /// The day the form is filled in: every date is on or before it. Fixed by default, so that a seed gives the
    /// same values on any day.
    pub today: Date,
    /// Share of optional fields left empty.
    pub empty_rate: f32,
    /// Every patient has a reservnummer (regions write letters in it on forms whose cells take them).
    pub reservnummer: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            today: Date::from_calendar_date(2025, Month::October, 31).expect("a real date"),
            empty_rate: 0.25,
            reservnummer: false,
        }
    }
}

/// Values for one form filled in alone (a main form, or a supplement with a disease of its own).
pub fn generate<R: rand::Rng + ?Sized>(form: &Form, options: &Options, rng: &mut R) -> Values {
    generate_copy(&[form], options, rng)
        .pop()
        .unwrap_or_default()
}

/// Values for every form of a copy (main form first, then its supplements), consistent across the copy: one
/// patient, one doctor, one disease that fits the main form and every supplement.
pub fn generate_copy<R: rand::Rng + ?Sized>(
    parts: &[&Form],
    options: &Options,
    rng: &mut R,
) -> Vec<Values> {
    let ctx = Context::new(parts, options, rng);
    let mut shared: BTreeMap<String, Value> = BTreeMap::new();
    let mut out = Vec::with_capacity(parts.len());
    for form in parts {
        let mut form_gen = FormGen {
            form,
            ctx: &ctx,
            options,
            values: Values::new(),
        };
        form_gen.fill_all(&shared, rng);
        for (k, v) in &form_gen.values {
            shared.entry(k.clone()).or_insert_with(|| v.clone());
        }
        out.push(form_gen.values);
    }
    out
}

// ------------------------------------------------------------------------------------------------ the people

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sex {
    Female,
    Male,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdKind {
    Personnummer,
    Samordningsnummer,
    Reservnummer,
}

struct Town {
    name: &'static str,
    post: (u32, u32),
    county: &'static str,
}

const fn town(name: &'static str, lo: u32, hi: u32, county: &'static str) -> Town {
    Town {
        name,
        post: (lo, hi),
        county,
    }
}

/// Towns with the first three digits of their postnummer and their county code.
const TOWNS: &[Town] = &[
    town("STOCKHOLM", 111, 118, "01"),
    town("SOLNA", 169, 171, "01"),
    town("HUDDINGE", 141, 141, "01"),
    town("TÄBY", 183, 183, "01"),
    town("ÅKERSBERGA", 184, 184, "01"),
    town("SÖDERTÄLJE", 151, 152, "01"),
    town("UPPSALA", 752, 757, "03"),
    town("ESKILSTUNA", 632, 635, "04"),
    town("NYKÖPING", 611, 611, "04"),
    town("LINKÖPING", 582, 589, "05"),
    town("NORRKÖPING", 602, 603, "05"),
    town("MOTALA", 591, 591, "05"),
    town("JÖNKÖPING", 553, 556, "06"),
    town("VÄXJÖ", 352, 352, "07"),
    town("ÄLMHULT", 343, 343, "07"),
    town("KALMAR", 392, 393, "08"),
    town("VISBY", 621, 621, "09"),
    town("KARLSKRONA", 371, 371, "10"),
    town("MALMÖ", 211, 217, "12"),
    town("LUND", 222, 227, "12"),
    town("HELSINGBORG", 252, 256, "12"),
    town("ÄNGELHOLM", 262, 262, "12"),
    town("KRISTIANSTAD", 291, 291, "12"),
    town("HALMSTAD", 302, 302, "13"),
    town("VARBERG", 432, 432, "13"),
    town("GÖTEBORG", 411, 418, "14"),
    town("MÖLNDAL", 431, 431, "14"),
    town("BORÅS", 503, 507, "14"),
    town("SKÖVDE", 541, 541, "14"),
    town("TROLLHÄTTAN", 461, 461, "14"),
    town("KARLSTAD", 652, 654, "17"),
    town("ÖREBRO", 702, 703, "18"),
    town("VÄSTERÅS", 722, 725, "19"),
    town("FALUN", 791, 791, "20"),
    town("GÄVLE", 802, 806, "21"),
    town("SANDVIKEN", 811, 811, "21"),
    town("SUNDSVALL", 852, 856, "22"),
    town("HÄRNÖSAND", 871, 871, "22"),
    town("ÖSTERSUND", 831, 831, "23"),
    town("ÅRE", 837, 837, "23"),
    town("UMEÅ", 903, 907, "24"),
    town("SKELLEFTEÅ", 931, 931, "24"),
    town("LULEÅ", 972, 975, "25"),
    town("PITEÅ", 941, 941, "25"),
    town("KIRUNA", 981, 981, "25"),
];

/// County names as people write them in capitals, by county code; the first fits twelve boxes.
const COUNTY_NAMES: &[(&str, &[&str])] = &[
    ("01", &["STOCKHOLM", "STOCKHOLMS LÄN"]),
    ("03", &["UPPSALA", "UPPSALA LÄN"]),
    ("04", &["SÖDERMANLAND", "SÖRMLAND"]),
    ("05", &["ÖSTERGÖTLAND"]),
    ("06", &["JÖNKÖPING", "JÖNKÖPINGS LÄN"]),
    ("07", &["KRONOBERG"]),
    ("08", &["KALMAR", "KALMAR LÄN"]),
    ("09", &["GOTLAND"]),
    ("10", &["BLEKINGE"]),
    ("12", &["SKÅNE", "SKÅNE LÄN"]),
    ("13", &["HALLAND"]),
    ("14", &["VÄSTRA GÖTA", "VGR", "VÄSTRA GÖTAL"]),
    ("17", &["VÄRMLAND"]),
    ("18", &["ÖREBRO", "ÖREBRO LÄN"]),
    ("19", &["VÄSTMANLAND"]),
    ("20", &["DALARNA"]),
    ("21", &["GÄVLEBORG"]),
    ("22", &["VÄSTERNORRL", "VÄSTERNORRLA"]),
    ("23", &["JÄMTLAND", "HÄRJEDALEN"]),
    ("24", &["VÄSTERBOTTEN"]),
    ("25", &["NORRBOTTEN"]),
];

/// Common Swedish surnames, and some of people who live in Sweden, in capitals as written in a comb.
pub const SURNAMES: &[&str] = &[
    "ANDERSSON",
    "JOHANSSON",
    "KARLSSON",
    "NILSSON",
    "ERIKSSON",
    "LARSSON",
    "OLSSON",
    "PERSSON",
    "SVENSSON",
    "GUSTAFSSON",
    "PETTERSSON",
    "JONSSON",
    "JANSSON",
    "HANSSON",
    "BENGTSSON",
    "JÖNSSON",
    "LINDBERG",
    "JAKOBSSON",
    "MAGNUSSON",
    "LINDSTRÖM",
    "OLOFSSON",
    "LINDQVIST",
    "LINDGREN",
    "AXELSSON",
    "BERG",
    "BERGSTRÖM",
    "LUNDBERG",
    "LUNDQVIST",
    "LIND",
    "LUNDGREN",
    "MATTSSON",
    "BERGLUND",
    "FREDRIKSSON",
    "SANDBERG",
    "HENRIKSSON",
    "FORSBERG",
    "SJÖBERG",
    "ÅBERG",
    "ÖSTLUND",
    "ÅSTRÖM",
    "NYSTRÖM",
    "HOLMBERG",
    "EK",
    "ÖBERG",
    "SÖDERBERG",
    "NYBERG",
    "BLOMQVIST",
    "HÅKANSSON",
    "MOHAMMED",
    "ALI",
    "HASSAN",
    "AHMED",
    "NGUYEN",
    "KOWALSKI",
    "YILMAZ",
    "HUSSEIN",
    "ABDI",
    "JÄRVINEN",
    "KORHONEN",
    "MÜLLER",
];

const FEMALE: &[&str] = &[
    "ANNA",
    "EVA",
    "MARIA",
    "KARIN",
    "SARA",
    "LENA",
    "KERSTIN",
    "ÅSA",
    "ELIN",
    "ASTRID",
    "MAJA",
    "ALVA",
    "SIGRID",
    "INGRID",
    "BRITT",
    "MÄRTA",
    "LINNÉA",
    "MALIN",
    "EMMA",
    "ALICE",
    "ELSA",
    "WILMA",
    "EBBA",
    "SAGA",
    "FATIMA",
    "AMINA",
    "YASMIN",
    "HELENA",
    "BIRGITTA",
    "GUNILLA",
    "MAJ-BRITT",
    "ANNA-KARIN",
];

const MALE: &[&str] = &[
    "LARS",
    "ERIK",
    "KARL",
    "PER",
    "OLOF",
    "ANDERS",
    "JOHAN",
    "BJÖRN",
    "GÖRAN",
    "JÖRGEN",
    "SÖREN",
    "MÅNS",
    "ÖRJAN",
    "HÅKAN",
    "STIG",
    "BENGT",
    "NILS",
    "OSKAR",
    "LUCAS",
    "HUGO",
    "ELIAS",
    "LIAM",
    "NOAH",
    "VIKTOR",
    "MOHAMMAD",
    "AHMED",
    "OMAR",
    "JAN-ERIK",
    "PER-OLOF",
    "LEIF",
    "TORBJÖRN",
    "ÅKE",
];

const STREETS: &[&str] = &[
    "STORGATAN",
    "KUNGSGATAN",
    "DROTTNINGGATAN",
    "SKOLGATAN",
    "KYRKOGATAN",
    "ÅKERVÄGEN",
    "BJÖRKVÄGEN",
    "TALLVÄGEN",
    "SJÖVÄGEN",
    "ÄNGSVÄGEN",
    "LÄRKVÄGEN",
    "ÖSTRA HAMNGATAN",
    "VÄSTRA VÄGEN",
    "SÖDRA ALLÉN",
    "BACKSTUGEVÄGEN",
    "MÅSVÄGEN",
    "RÖNNVÄGEN",
    "GRÄNDEN",
    "HÖGBERGSGATAN",
    "NYGATAN",
];

const LABS: &[&str] = &[
    "KLIN MIKRO LUND",
    "KLIN MIKRO",
    "UNILABS",
    "SYNLAB",
    "KAROLINSKA LAB",
    "SAHLGRENSKA",
    "MIKROBIOLOGEN",
    "LAB MED ÖREBRO",
    "KLIN MIKROBIOL",
    "NUS UMEÅ",
];

const CLINICS: &[&str] = &[
    "INFEKTION SÖS",
    "VC ÅKERSBERGA",
    "UNGDOMSMOTT",
    "VÅRDCENTRALEN",
    "INFEKTIONSKLIN",
    "VC CENTRUM",
    "BARNMOTT",
    "HUDMOTT",
    "AKUTEN",
    "MEDICINKLIN",
    "VC NORRMALM",
    "VÅRDC HÖGLAND",
    "STI-MOTT",
    "INFEKTION LUND",
];

const PRESCHOOLS: &[&str] = &[
    "SOLROSEN",
    "FÖRSKOLAN EKEN",
    "MÅSEN",
    "KOTTEN",
    "FÖRSKOLAN LÄRKAN",
    "TRÄDGÅRDEN",
    "BJÖRNEN",
    "ÄNGSBACKEN",
];

const OCCUPATIONS: &[&str] = &[
    "UNDERSKÖTERSKA",
    "KOCK",
    "LÄRARE",
    "SNICKARE",
    "STUDENT",
    "SJUKSKÖTERSKA",
    "BUSSFÖRARE",
    "PENSIONÄR",
    "BARNSKÖTARE",
    "ELEKTRIKER",
    "SÄLJARE",
    "LANTBRUKARE",
];

const WORKPLACES: &[&str] = &[
    "ICA MAXI",
    "SAHLGRENSKA",
    "KOMMUNEN",
    "FÖRSKOLAN SOLROSEN",
    "RESTAURANG ÅNGBÅTEN",
    "HEMTJÄNSTEN NORR",
    "BAGERIET",
    "SKOLKÖKET",
    "ÄLDREBOENDET",
];

const PLACES_ABROAD: &[&str] = &[
    "PHUKET",
    "BANGKOK",
    "HURGHADA",
    "ALANYA",
    "KRETA",
    "GOA",
    "MALLORCA",
    "MOGADISHU",
    "BAGDAD",
    "KABUL",
    "NAIROBI",
    "HANOI",
    "BALI",
    "AGADIR",
    "RHODOS",
    "SPLIT",
];

const ORGANS: &[&str] = &[
    "ÖGA",
    "HUD",
    "PERIKARD",
    "BRÖSTKORG",
    "LEVER",
    "MJÄLTE",
    "ÖRA",
];

const TRAVEL_COUNTRIES: &[&str] = &[
    "Thailand",
    "Spanien",
    "Turkiet",
    "Grekland",
    "Indien",
    "Egypten",
    "Somalia",
    "Irak",
    "Syrien",
    "Polen",
    "Tyskland",
    "Italien",
    "Frankrike",
    "Marocko",
    "Pakistan",
    "Afghanistan",
    "Eritrea",
    "Etiopien",
    "Kenya",
    "Vietnam",
    "Indonesien",
    "Sverige",
    "Tunisien",
    "Kroatien",
    "Portugal",
    "Iran",
    "Filippinerna",
    "Kina",
    "Mexiko",
    "Brasilien",
    "Ukraina",
    "Rumänien",
    "Gambia",
    "Uganda",
    "Nigeria",
    "Norge",
    "Danmark",
    "Finland",
    "Cypern",
    "USA",
];

const BIRTH_COUNTRIES: &[&str] = &[
    "Sverige",
    "Sverige",
    "Sverige",
    "Sverige",
    "Finland",
    "Somalia",
    "Irak",
    "Syrien",
    "Eritrea",
    "Etiopien",
    "Afghanistan",
    "Polen",
    "Iran",
    "Thailand",
    "Vietnam",
    "Ukraina",
    "Rumänien",
    "Nigeria",
    "Uganda",
    "Kenya",
    "Bosnien-Hercegovina",
];

/// HSA-id prefixes: `SE` and the organisation numbers of a few regions.
const HSA_ORGS: &[&str] = &[
    "SE2321000016",
    "SE2321000131",
    "SE2321000032",
    "SE2321000222",
    "SE2321000164",
    "SE2321000057",
    "SE2321000065",
    "SE2321000115",
];

/// Short phrases for free-text boxes, by the last part of the field name.
const PHRASES: &[(&str, &[&str])] = &[
    (
        "kalla",
        &[
            "Kycklingsallad på restaurang",
            "Grannens hund",
            "Okänd, flera sjuka på jobbet",
            "Opastöriserad mjölk på gård",
            "Badade i sjö vid stugan",
            "Kollega med samma besvär",
            "Sushi på hotellet i Phuket",
            "Släkting på besök från Irak",
        ],
    ),
    (
        "kalla_beskrivning",
        &[
            "Åt räkor på julbord",
            "Kyckling köpt i butik",
            "Brunnsvatten i sommarstugan",
            "Bröllopsmiddag, ca 40 gäster",
            "Glass på stranden",
        ],
    ),
    (
        "ovrigt",
        &[
            "Informerad om handhygien",
            "Avstängd från arbete tills vidare",
            "Uppföljning på vårdcentralen",
            "Kontakter provtagna",
            "Remiss till infektionsklinik",
            "Nås via mobil kvällstid",
            "Tolk behövs, somaliska",
            "Smittspårning pågår",
        ],
    ),
    (
        "aids_kriterier",
        &[
            "Pneumocystispneumoni",
            "Candida i esofagus",
            "CD4 under 200",
            "Kaposis sarkom",
        ],
    ),
    (
        "utseende",
        &[
            "Lång, mörkt hår, glasögon",
            "Blond, ca 180 cm",
            "Kort, skägg, tatuering på armen",
            "Rött hår, fräknar",
        ],
    ),
];

const GENERIC_PHRASES: &[&str] = &[
    "Se journalanteckning",
    "Inga fler uppgifter",
    "Enligt patienten",
    "Uppgifter från anhörig",
    "Kontakta mig vid frågor",
];

const WORDS: &[&str] = &[
    "ÖSTRA", "NORRA", "SÖDRA", "VÄSTRA", "ÅKER", "BRÖD", "SJÖ", "KÄLLA", "GÅRD", "HÖJD", "LÄNK",
    "MÖLLA",
];

/// A made-up patient.
struct Person {
    sex: Sex,
    birth: Date,
    first: &'static str,
    last: &'static str,
    street: String,
    town: &'static Town,
    postnummer: String,
    mobile: String,
    landline: String,
    id_kind: IdKind,
    number: String,
    birth_country: &'static str,
}

/// The reporting doctor and their clinic.
struct Reporter {
    name: String,
    clinic: &'static str,
    lab: &'static str,
    hsa: String,
    phone: String,
}

struct Context<'a> {
    person: Person,
    reporter: Reporter,
    disease: Option<&'a Disease>,
    report_date: Date,
    travel_country: &'static str,
}

fn digits<R: rand::Rng + ?Sized>(rng: &mut R, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

fn ymd(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A personnummer (or samordningsnummer: day plus 60) for a birth date and sex, with its Luhn check digit.
pub fn personnummer<R: rand::Rng + ?Sized>(
    birth: Date,
    female: bool,
    samordning: bool,
    rng: &mut R,
) -> String {
    let day = u32::from(birth.day()) + if samordning { 60 } else { 0 };
    let serial = rng.random_range(0..100u32);
    let sex_digit = {
        let d = rng.random_range(0..5u32) * 2;
        if female { d } else { d + 1 }
    };
    let nine = format!(
        "{:02}{:02}{:02}{:02}{}",
        birth.year() % 100,
        u8::from(birth.month()),
        day,
        serial,
        sex_digit
    );
    let check = luhn_check_digit(&nine).unwrap_or(0);
    format!("{:02}{nine}{check}", birth.year() / 100)
}

fn random_date_between<R: rand::Rng + ?Sized>(rng: &mut R, from: Date, to: Date) -> Date {
    let span = (to - from).whole_days().max(0);
    from + Duration::days(rng.random_range(0..=span))
}

fn country_name(name: &str) -> Option<&'static str> {
    Countries::embedded()
        .find_by_name(name)
        .map(|c| c.name_sv.as_str())
}

impl<'a> Context<'a> {
    fn new<R: rand::Rng + ?Sized>(parts: &[&Form], options: &Options, rng: &mut R) -> Context<'a> {
        let today = options.today;
        let sex = if rng.random_bool(0.5) {
            Sex::Female
        } else {
            Sex::Male
        };
        // Ages 0–95, most between 18 and 70.
        let age_years = if chance(rng, 0.12) {
            rng.random_range(0..18)
        } else if chance(rng, 0.15) {
            rng.random_range(70..96)
        } else {
            rng.random_range(18..70)
        };
        let birth_year = today.year() - age_years - 1;
        let birth = random_date_between(
            rng,
            Date::from_calendar_date(birth_year, Month::January, 1).expect("date"),
            Date::from_calendar_date(birth_year, Month::December, 31).expect("date"),
        );
        let id_kind = {
            let r: f32 = rng.random();
            if r < 0.82 {
                IdKind::Personnummer
            } else if r < 0.94 {
                IdKind::Samordningsnummer
            } else {
                IdKind::Reservnummer
            }
        };
        // Drawn as usual first, so that asking for a reservnummer changes nothing else of the person.
        let id_kind = if options.reservnummer {
            IdKind::Reservnummer
        } else {
            id_kind
        };
        let number = match id_kind {
            IdKind::Personnummer => personnummer(birth, sex == Sex::Female, false, rng),
            IdKind::Samordningsnummer => personnummer(birth, sex == Sex::Female, true, rng),
            // Regional formats differ; a common one keeps the birth date and puts a letter-free series after.
            IdKind::Reservnummer => format!("{}{}", ymd(birth), digits(rng, 4)),
        };
        let town = TOWNS.choose(rng).expect("towns");
        let postnummer = format!(
            "{}{:02}",
            rng.random_range(town.post.0..=town.post.1),
            rng.random_range(0..100)
        );
        let street = format!(
            "{} {}{}",
            STREETS.choose(rng).expect("streets"),
            rng.random_range(1..60),
            if chance(rng, 0.2) {
                [" A", " B", " C"].choose(rng).copied().unwrap_or("")
            } else {
                ""
            }
        );
        let first = match sex {
            Sex::Female => FEMALE.choose(rng),
            Sex::Male => MALE.choose(rng),
        }
        .copied()
        .unwrap_or("ANNA");
        let last = SURNAMES.choose(rng).copied().unwrap_or("ANDERSSON");
        let mobile = format!(
            "07{}{}",
            ["0", "2", "3", "6", "9"]
                .choose(rng)
                .copied()
                .unwrap_or("0"),
            digits(rng, 7)
        );
        let landline = landline(rng);
        let birth_country = BIRTH_COUNTRIES
            .choose(rng)
            .and_then(|n| country_name(n))
            .unwrap_or("Sverige");
        let doctor_first = if rng.random_bool(0.5) {
            FEMALE.choose(rng)
        } else {
            MALE.choose(rng)
        }
        .copied()
        .unwrap_or("EVA");
        let doctor_last = SURNAMES.choose(rng).copied().unwrap_or("BERG");
        let reporter = Reporter {
            name: format!("{doctor_first} {doctor_last}"),
            clinic: CLINICS.choose(rng).copied().unwrap_or("VÅRDCENTRALEN"),
            lab: LABS.choose(rng).copied().unwrap_or("KLIN MIKRO"),
            hsa: format!(
                "{}-{}",
                HSA_ORGS.choose(rng).copied().unwrap_or("SE2321000016"),
                hsa_suffix(rng)
            ),
            phone: landline_for(town, rng),
        };
        let report_date = today - Duration::days(rng.random_range(0..25));
        let travel_country = TRAVEL_COUNTRIES
            .choose(rng)
            .and_then(|n| country_name(n))
            .unwrap_or("Thailand");
        Context {
            person: Person {
                sex,
                birth,
                first,
                last,
                street,
                town,
                postnummer,
                mobile,
                landline,
                id_kind,
                number,
                birth_country,
            },
            reporter,
            disease: choose_disease(parts, rng),
            report_date,
            travel_country,
        }
    }
}

/// A reservnummer as Västra Götaland (`19810829M071`) or Värmland (`19810829SU3A`) writes it, made from the
/// person's digit-only reserve number (birth date + four digits) without drawing from the generator, so that
/// forms with digit cells keep their values run after run.
fn reservnummer_with_letters(number: &str) -> String {
    let d: Vec<u32> = number.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 12 {
        return number.to_string();
    }
    let date = &number[..8];
    let letter = |i: u32| char::from(b"ABCDEFGHJKMNPRSTUVX"[(i as usize * 7 + 3) % 19]);
    if d[8].is_multiple_of(2) {
        let g = ['K', 'M', 'X'][(d[9] % 3) as usize];
        format!("{date}{g}{}{}{}", d[9], d[10], d[11])
    } else {
        format!(
            "{date}{}{}{}{}",
            letter(d[9]),
            letter(d[10] + 3),
            d[11],
            letter(d[11] + d[9])
        )
    }
}

fn hsa_suffix<R: rand::Rng + ?Sized>(rng: &mut R) -> String {
    const ALNUM: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let n = rng.random_range(3..=5);
    (0..n)
        .map(|_| char::from(ALNUM[rng.random_range(0..ALNUM.len())]))
        .collect()
}

/// A landline number with an area code, ten digits.
fn landline<R: rand::Rng + ?Sized>(rng: &mut R) -> String {
    let area = [
        "08", "031", "040", "018", "013", "019", "090", "046", "054", "060",
    ]
    .choose(rng)
    .copied()
    .unwrap_or("08");
    let rest = 10 - area.len();
    format!("{area}{}", digits(rng, rest))
}

fn landline_for<R: rand::Rng + ?Sized>(town: &Town, rng: &mut R) -> String {
    let area = match town.county {
        "01" => "08",
        "14" => "031",
        "12" => "040",
        "03" => "018",
        "05" => "013",
        "18" => "019",
        "24" => "090",
        _ => "0",
    };
    if area == "0" {
        return landline(rng);
    }
    format!("{area}{}", digits(rng, 10 - area.len()))
}

/// Whether a choice lists diseases (every option but `annan` is a disease id).
fn disease_choice(field: &FieldDefinition) -> Option<&[OptionDefinition]> {
    let FieldKind::Choice { options, .. } = &field.kind else {
        return None;
    };
    let diseases = Diseases::embedded();
    let mut n = 0;
    for o in options {
        if o.value == "annan" {
            continue;
        }
        diseases.get(&o.value)?;
        n += 1;
    }
    (n > 0).then_some(options.as_slice())
}

/// Ways to write a disease's name in a comb of `cells` boxes that the checks resolve to that disease.
fn written_disease_names(d: &Disease, cells: usize) -> Vec<String> {
    let mut candidates = vec![d.name_sv.to_uppercase()];
    let upper = d.name_sv.to_uppercase();
    if let Some(stem) = upper.strip_suffix("INFEKTION") {
        candidates.push(stem.trim().to_string());
    }
    if let Some(rest) = upper.strip_prefix("INFEKTION MED ") {
        candidates.push(rest.to_string());
    }
    // Abbreviations in parentheses: "(MRSA)", "(EHEC)".
    if let (Some(a), Some(b)) = (upper.rfind('('), upper.rfind(')'))
        && a < b
    {
        candidates.push(upper[a + 1..b].to_string());
    }
    let diseases = Diseases::embedded();
    candidates
        .into_iter()
        .filter(|c| !c.is_empty() && c.chars().count() <= cells)
        .filter(|c| crate::fonts::unprintable(c).is_empty())
        .filter(|c| validation::resolve_disease(c, diseases).is_ok_and(|found| found.id == d.id))
        .collect()
}

/// The comb cell count of the first `check = "disease"` field of a form.
fn disease_comb_cells(form: &Form) -> Option<usize> {
    validation::fields(form).find_map(|f| match (&f.kind, f.check) {
        (FieldKind::Comb { cells, .. }, Some(Check::Disease)) => Some(*cells),
        _ => None,
    })
}

fn choose_disease<'d, R: rand::Rng + ?Sized>(parts: &[&Form], rng: &mut R) -> Option<&'d Disease> {
    let main = parts.first()?;
    let diseases: &'d Diseases = Diseases::embedded();
    let ticked: Vec<&str> = validation::fields(main)
        .filter_map(disease_choice)
        .flatten()
        .map(|o| o.value.as_str())
        .collect();
    let comb = disease_comb_cells(main);
    // A required disease list without "annan" must be ticked: then only its diseases will do.
    let must_tick = validation::fields(main).any(|f| {
        f.required && disease_choice(f).is_some_and(|o| !o.iter().any(|o| o.value == "annan"))
    });
    let mut weighted: Vec<(&'d Disease, f32)> = Vec::new();
    for d in diseases.all() {
        if main.kind() == FormKind::Main && validation::disease_fits_form(main, d).is_err() {
            continue;
        }
        if main.kind() == FormKind::Supplement
            && !main.def.diseases.is_empty()
            && !main.def.diseases.contains(&d.id)
        {
            continue;
        }
        if parts[1..]
            .iter()
            .any(|s| !s.def.diseases.is_empty() && !s.def.diseases.contains(&d.id))
        {
            continue;
        }
        let tickable = ticked.contains(&d.id.as_str());
        let writable =
            !must_tick && comb.is_some_and(|cells| !written_disease_names(d, cells).is_empty());
        if main.kind() == FormKind::Main && !tickable && !writable {
            continue;
        }
        weighted.push((d, if tickable { 4.0 } else { 1.0 }));
    }
    weighted
        .choose_weighted(rng, |(_, w)| *w)
        .ok()
        .map(|(d, _)| *d)
}

// ------------------------------------------------------------------------------------------------ one form

struct FormGen<'a, 'c> {
    form: &'a Form,
    ctx: &'a Context<'c>,
    options: &'a Options,
    values: Values,
}

impl FormGen<'_, '_> {
    fn fill_all<R: rand::Rng + ?Sized>(&mut self, shared: &Values, rng: &mut R) {
        let fields: Vec<&FieldDefinition> = validation::fields(self.form).collect();
        self.disease_fields(&fields, rng);
        for field in &fields {
            if self.values.contains_key(&field.name) || self.is_disease_field(field) {
                continue;
            }
            if let Some(v) = shared.get(&field.name) {
                self.values.insert(field.name.clone(), v.clone());
                continue;
            }
            if !field.required && chance(rng, self.options.empty_rate) {
                continue;
            }
            if let Some(v) = self.value_for(field, rng) {
                self.values.insert(field.name.clone(), v);
            }
        }
        self.tick_reservnummer();
        self.apply_requires(&fields, rng);
        self.order_dates(rng);
        self.drop_orphans();
    }

    fn is_disease_field(&self, field: &FieldDefinition) -> bool {
        field.check == Some(Check::Disease) || disease_choice(field).is_some()
    }

    /// Ticks the disease or writes it, once per form.
    fn disease_fields<R: rand::Rng + ?Sized>(&mut self, fields: &[&FieldDefinition], rng: &mut R) {
        let Some(d) = self.ctx.disease else {
            return;
        };
        let choice = fields
            .iter()
            .find(|f| disease_choice(f).is_some_and(|o| o.iter().any(|o| o.value == d.id)));
        if let Some(field) = choice {
            self.values
                .insert(field.name.clone(), Value::Choices(vec![d.id.clone()]));
            return;
        }
        let comb = fields.iter().find(|f| f.check == Some(Check::Disease));
        if let Some(field) = comb
            && let FieldKind::Comb { cells, .. } = field.kind
            && let Some(name) = written_disease_names(d, cells).choose(rng)
        {
            self.values
                .insert(field.name.clone(), Value::Text(name.clone()));
            // Tick "annan" in the disease list too, as most people would (and all must where it is required).
            if let Some(list) = fields
                .iter()
                .find(|f| disease_choice(f).is_some_and(|o| o.iter().any(|o| o.value == "annan")))
                && (list.required || chance(rng, 0.7))
            {
                self.values
                    .insert(list.name.clone(), Value::Choices(vec!["annan".into()]));
            }
        }
    }

    fn value_for<R: rand::Rng + ?Sized>(
        &self,
        field: &FieldDefinition,
        rng: &mut R,
    ) -> Option<Value> {
        match &field.kind {
            FieldKind::Choice {
                multiple, options, ..
            } => self.choice(field, *multiple, options, rng),
            FieldKind::Comb { cells, charset, .. } => {
                let text = self.comb_text(field, *cells, *charset, rng)?;
                let text = fit(&text, *cells, *charset);
                (!text.trim().is_empty()).then(|| Value::Text(text.trim().to_string()))
            }
            FieldKind::Text { .. } => Some(Value::Text(self.phrase(field, rng))),
        }
    }

    fn choice<R: rand::Rng + ?Sized>(
        &self,
        field: &FieldDefinition,
        multiple: bool,
        options: &[OptionDefinition],
        rng: &mut R,
    ) -> Option<Value> {
        let has = |v: &str| options.iter().any(|o| o.value == v);
        let one = |v: &str| Some(Value::Choices(vec![v.to_string()]));
        let p = &self.ctx.person;
        let leaf = field.name.rsplit('.').next().unwrap_or("");
        match leaf {
            "identitetstyp" => {
                let v = match p.id_kind {
                    IdKind::Personnummer => "personnummer",
                    IdKind::Samordningsnummer => "samordningsnummer",
                    IdKind::Reservnummer => "reservnummer",
                };
                if has(v) {
                    return one(v);
                }
            }
            "kon" => {
                let v = if chance(rng, 0.04) {
                    "okant"
                } else if p.sex == Sex::Female {
                    "kvinna"
                } else {
                    "man"
                };
                if has(v) {
                    return one(v);
                }
            }
            "kodtyp" if has("rikskod") => {
                return one(if chance(rng, 0.85) || !has("annat_nummer") {
                    "rikskod"
                } else {
                    "annat_nummer"
                });
            }
            _ => {}
        }
        // A supplement's own disease list (tarm.agens, mrsa.typ, hepatit.typ): the copy's disease.
        if let Some(d) = self.ctx.disease
            && let Some(o) = options
                .iter()
                .find(|o| o.value == d.id || d.id.ends_with(&format!("_{}", o.value)))
        {
            return one(&o.value);
        }
        let exclusive = |v: &str| matches!(v, "ingen" | "okand" | "okant" | "nej");
        if !multiple {
            let o = options.choose(rng)?;
            return one(&o.value);
        }
        let n = match rng.random_range(0..10) {
            0..=5 => 1,
            6..=8 => 2,
            _ => 3,
        };
        let mut picked: Vec<&OptionDefinition> =
            options.sample(rng, n.min(options.len())).collect();
        if picked.len() > 1 && picked.iter().any(|o| exclusive(&o.value)) {
            picked.retain(|o| !exclusive(&o.value));
        }
        // Keep the order of the paper.
        let mut values: Vec<String> = options
            .iter()
            .filter(|o| picked.iter().any(|p| p.value == o.value))
            .map(|o| o.value.clone())
            .collect();
        values.dedup();
        (!values.is_empty()).then_some(Value::Choices(values))
    }

    fn comb_text<R: rand::Rng + ?Sized>(
        &self,
        field: &FieldDefinition,
        cells: usize,
        charset: Charset,
        rng: &mut R,
    ) -> Option<String> {
        let p = &self.ctx.person;
        let r = &self.ctx.reporter;
        let today = self.options.today;
        if let Some(check) = field.check {
            return Some(match check {
                // Text cells (version 2) take a reservnummer with its letters, as the regions write them.
                Check::Identitet
                    if charset == Charset::Text && p.id_kind == IdKind::Reservnummer =>
                {
                    reservnummer_with_letters(&p.number)
                }
                Check::Personnummer | Check::Identitet => p.number.clone(),
                Check::Year => p.birth.year().to_string(),
                Check::Age => (today.year() - p.birth.year()).max(0).to_string(),
                Check::Rikskod => format!("{}{}", p.birth.year(), &p.number[8..12]),
                Check::Date => ymd(self.date_for(&field.name, rng)),
                // Room for the longest shape (version 2): now and then an id under a 12-digit organisation
                // number, as e-services issue them (SE165565594230-WEBCERT00001).
                Check::HsaId if cells >= 27 && chance(rng, 0.3) => {
                    format!("SE165565594230-WEBCERT{}", digits(rng, 5))
                }
                Check::HsaId => r.hsa.clone(),
                Check::Postnummer => p.postnummer.clone(),
                Check::Phone => {
                    if field.name.starts_with("rapportor") {
                        r.phone.clone()
                    } else if field.name.contains("forskola") {
                        landline(rng)
                    } else if field.name.ends_with("telefon") && chance(rng, 0.3) {
                        p.landline.clone()
                    } else {
                        p.mobile.clone()
                    }
                }
                Check::Lan => county_text(p.town.county, cells, rng),
                Check::Country => {
                    let name = if field.name.contains("fodelse") {
                        p.birth_country
                    } else {
                        self.ctx.travel_country
                    };
                    country_text(name, cells, rng)
                }
                Check::Disease => return None,
            });
        }
        let name = field.name.as_str();
        let leaf = name.rsplit('.').next().unwrap_or("");
        let age = (today.year() - p.birth.year()).max(0) as u32;
        let text = match (name, leaf) {
            ("patient.namn", _) | (_, "namn") if name.starts_with("patient") => {
                format!("{} {}", p.last, p.first)
            }
            ("rapportor.namn", _) => r.name.clone(),
            (_, "adress") => p.street.clone(),
            (_, "postort") => p.town.name.to_string(),
            (_, "klinik") => r.clinic.to_string(),
            (_, "laboratorium") => r.lab.to_string(),
            (_, "labnummer") => format!(
                "{}{}-{}",
                ["M", "B", "V", "LAB"].choose(rng).copied().unwrap_or("M"),
                today.year() % 100,
                digits(rng, 5)
            ),
            (_, "annat_nummer") => format!(
                "{}{}",
                ["LMA", "RES", "X"].choose(rng).copied().unwrap_or("X"),
                digits(rng, 6)
            ),
            (_, "forskola") => PRESCHOOLS
                .choose(rng)
                .copied()
                .unwrap_or("SOLROSEN")
                .to_string(),
            (_, "remitterad_till" | "remitterad_fran" | "remiss_till") => CLINICS
                .choose(rng)
                .copied()
                .unwrap_or("INFEKTIONSKLIN")
                .to_string(),
            (_, "ort") => {
                if self.ctx.travel_country == "Sverige" {
                    TOWNS.choose(rng).map_or("MALMÖ", |t| t.name).to_string()
                } else {
                    PLACES_ABROAD
                        .choose(rng)
                        .copied()
                        .unwrap_or("PHUKET")
                        .to_string()
                }
            }
            (_, "yrke") => OCCUPATIONS
                .choose(rng)
                .copied()
                .unwrap_or("KOCK")
                .to_string(),
            (_, "smeknamn") => {
                let s: String = p.first.chars().take(4).collect();
                if chance(rng, 0.5) {
                    format!("{s}AN")
                } else {
                    s
                }
            }
            (_, "arbetsplats") => WORKPLACES.choose(rng).copied().unwrap_or("ICA").to_string(),
            (_, "extrapulmonell_annan") => ORGANS.choose(rng).copied().unwrap_or("HUD").to_string(),
            (_, "fodelsear") => p.birth.year().to_string(),
            (_, "alder") => age.to_string(),
            (_, "ankomstar") => {
                let from = (p.birth.year() + 1).max(1960).min(today.year());
                rng.random_range(from..=today.year()).to_string()
            }
            (_, "tidigare_ar") => {
                let from = (p.birth.year() + 1).min(today.year() - 1);
                rng.random_range(from..today.year()).to_string()
            }
            (_, "hushall_antal") => rng.random_range(1..6).to_string(),
            _ => match charset {
                Charset::Digits => {
                    let n = rng.random_range(1..=cells);
                    digits(rng, n)
                }
                Charset::Letters | Charset::Text => {
                    let mut s = WORDS.choose(rng).copied().unwrap_or("ÅKER").to_string();
                    while chance(rng, 0.4) {
                        s.push(' ');
                        s.push_str(WORDS.choose(rng).copied().unwrap_or("SJÖ"));
                    }
                    s
                }
            },
        };
        Some(text)
    }

    /// A date for a field, before the report date by a span that suits the field's meaning; the form's
    /// `date_order` rules are applied afterwards.
    fn date_for<R: rand::Rng + ?Sized>(&self, name: &str, rng: &mut R) -> Date {
        let report = self.ctx.report_date;
        let (lo, hi) = if name == "rapportor.datum" {
            (0, 0)
        } else if name.contains("insjukning") {
            (3, 45)
        } else if name.contains("diagnos") && !name.contains("aids") {
            (0, 12)
        } else if name.contains("provtagning") {
            (1, 20)
        } else if name.contains("hemkomst") {
            (2, 25)
        } else if name.contains("utrese") {
            (10, 60)
        } else if name.contains("kallelse") {
            (30, 90)
        } else if name.contains("uteblev1") {
            (15, 29)
        } else if name.contains("uteblev2") {
            (1, 14)
        } else if name.contains("negativt") {
            (200, 2500)
        } else if name.contains("behandling") {
            (0, 20)
        } else {
            (0, 60)
        };
        let d = report - Duration::days(rng.random_range(lo..=hi));
        // Nobody is tested before being born.
        if d < self.ctx.person.birth {
            self.ctx.person.birth
        } else {
            d
        }
    }

    fn phrase<R: rand::Rng + ?Sized>(&self, field: &FieldDefinition, rng: &mut R) -> String {
        let leaf = field.name.rsplit('.').next().unwrap_or("");
        if leaf == "underskrift" {
            // The signature: the doctor's name, written as a signature.
            let r = &self.ctx.reporter.name;
            return title_case(r);
        }
        let list = PHRASES
            .iter()
            .find(|(k, _)| *k == leaf)
            .map_or(GENERIC_PHRASES, |(_, l)| l);
        list.choose(rng)
            .copied()
            .unwrap_or("Se journal")
            .to_string()
    }

    /// Fills the fields a ticked option requires.
    fn apply_requires<R: rand::Rng + ?Sized>(&mut self, fields: &[&FieldDefinition], rng: &mut R) {
        for rule in &self.form.def.rules {
            let (field, value, then) = match rule {
                RuleDefinition::Requires {
                    field, value, then, ..
                } => (field, value, &then[..]),
                // One of them is enough (birth year or age): the first that is not there yet.
                RuleDefinition::RequiresAny {
                    field, value, any, ..
                } => {
                    if any.iter().any(|n| self.values.contains_key(n)) {
                        continue;
                    }
                    (field, value, &any[..1.min(any.len())])
                }
                RuleDefinition::DateOrder { .. } => continue,
            };
            let triggered = self.values.get(field).is_some_and(|v| match v {
                Value::Choices(c) => c.iter().any(|x| x == value),
                Value::Text(t) => t == value,
            });
            if !triggered {
                continue;
            }
            for name in then {
                if self.values.contains_key(name) {
                    continue;
                }
                if let Some(def) = fields.iter().find(|f| &f.name == name)
                    && let Some(v) = self.value_for(def, rng)
                {
                    self.values.insert(name.clone(), v);
                }
            }
        }
    }

    /// Reorders the dates of every `date_order` rule so that they do not decrease.
    fn order_dates<R: rand::Rng + ?Sized>(&mut self, _rng: &mut R) {
        let rules: Vec<&Vec<String>> = self
            .form
            .def
            .rules
            .iter()
            .filter_map(|r| match r {
                RuleDefinition::DateOrder { fields, .. } => Some(fields),
                _ => None,
            })
            .collect();
        for _ in 0..8 {
            let mut changed = false;
            for names in &rules {
                let present: Vec<&String> = names
                    .iter()
                    .filter(|n| self.values.get(*n).and_then(Value::text).is_some())
                    .collect();
                let mut dates: Vec<String> = present
                    .iter()
                    .filter_map(|n| self.values.get(*n).and_then(Value::text))
                    .map(str::to_string)
                    .collect();
                let before = dates.clone();
                dates.sort();
                if dates != before {
                    changed = true;
                    for (n, d) in present.iter().zip(dates) {
                        self.values.insert((*n).clone(), Value::Text(d));
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Drops an identity number whose type says otherwise (a rikskod with "annat nummer" and the like) when the
    /// form's checks would refuse the pair.
    fn drop_orphans(&mut self) {
        self.drop_rikskod_orphans();
    }

    /// A number written with a reservnummer's letters goes with "Reservnummer" ticked, as the writer would (the
    /// type may have been left empty as optional); before the rules, so that a birth year or age follows.
    fn tick_reservnummer(&mut self) {
        let lettered = self
            .values
            .get("patient.personnummer")
            .and_then(Value::text)
            .is_some_and(|t| t.chars().any(char::is_alphabetic));
        let has_type = validation::fields(self.form).any(|f| f.name == "patient.identitetstyp");
        if lettered && has_type {
            self.values.insert(
                "patient.identitetstyp".into(),
                Value::Choices(vec!["reservnummer".into()]),
            );
        }
    }

    fn drop_rikskod_orphans(&mut self) {
        if let Some(Value::Choices(c)) = self.values.get("patient.kodtyp") {
            if c.iter().any(|v| v == "annat_nummer") {
                self.values.remove("patient.rikskod");
            } else {
                // "Annat nummer" is for a patient without a rikskod.
                self.values.remove("patient.annat_nummer");
            }
        }
    }
}

/// `ERIK LUNDGREN` as `Erik Lundgren`.
fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(cs.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

fn county_text<R: rand::Rng + ?Sized>(code: &str, cells: usize, rng: &mut R) -> String {
    let names = COUNTY_NAMES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(&["STOCKHOLM"][..], |(_, n)| n);
    let fitting: Vec<&&str> = names
        .iter()
        .filter(|n| n.chars().count() <= cells)
        .collect();
    fitting
        .choose(rng)
        .map_or_else(|| names[0].chars().take(cells).collect(), |s| s.to_string())
}

fn country_text<R: rand::Rng + ?Sized>(name: &str, cells: usize, rng: &mut R) -> String {
    let upper = name.to_uppercase();
    if upper.chars().count() <= cells
        && upper
            .chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '-')
    {
        return upper;
    }
    // Too long or with other characters: the ISO code, which the checks accept.
    let _ = rng;
    Countries::embedded()
        .find_by_name(name)
        .map_or_else(|| "SVERIGE".to_string(), |c| c.code.clone())
}

/// Cuts `text` to `cells` characters of the charset (at a word end where possible).
fn fit(text: &str, cells: usize, charset: Charset) -> String {
    let allowed = |c: char| match charset {
        Charset::Digits => c.is_ascii_digit(),
        Charset::Letters => c.is_alphabetic() || matches!(c, ' ' | '-' | '.'),
        Charset::Text => true,
    };
    let clean: String = text.chars().filter(|c| allowed(*c)).collect();
    if clean.chars().count() <= cells {
        return clean;
    }
    let cut: String = clean.chars().take(cells).collect();
    match cut.rfind(' ') {
        Some(i) if i > cells / 2 => cut[..i].to_string(),
        _ => cut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identity::{IdentityKind, check_personnummer};

    #[test]
    fn personnummer_have_right_check_digits() {
        let mut rng = super::super::rng(7);
        for i in 0..500 {
            let birth =
                Date::from_calendar_date(1930 + i % 90, Month::March, 1 + (i % 28) as u8).unwrap();
            let s = personnummer(birth, i % 2 == 0, i % 5 == 0, &mut rng);
            assert_eq!(s.len(), 12);
            let kind = check_personnummer(&s).unwrap();
            let want = if i % 5 == 0 {
                IdentityKind::Samordningsnummer
            } else {
                IdentityKind::Personnummer
            };
            assert_eq!(kind, want, "{s}");
            // The ninth digit of the serial tells the sex.
            let sex_digit = s.as_bytes()[10] - b'0';
            assert_eq!(sex_digit.is_multiple_of(2), i % 2 == 0, "{s}");
        }
    }

    #[test]
    fn fit_cuts_at_a_word_end() {
        assert_eq!(
            fit("ÖSTRA HAMNGATAN 12", 16, Charset::Text),
            "ÖSTRA HAMNGATAN"
        );
        assert_eq!(fit("12-34", 5, Charset::Digits), "1234");
    }
}
