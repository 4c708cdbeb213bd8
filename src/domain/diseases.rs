//! The notifiable diseases (`data/diseases.csv`), with the flags the forms need: whether a clinical
//! notification is made at all, whether the STI/HIV rule applies, which supplement form belongs to the disease.

use std::collections::HashSet;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::csv::Table;
use super::text::fold;

const EMBEDDED_CSV: &str = include_str!("../../data/diseases.csv");

/// The supplement forms a disease may point to.
pub const SUPPLEMENTS: [&str; 4] = [
    "tillagg-tuberkulos",
    "tillagg-hepatit",
    "tillagg-mrsa-esbl-carba",
    "tillagg-tarm",
];

/// One notifiable disease.
#[derive(Debug, Clone, Serialize)]
pub struct Disease {
    /// Stable ASCII slug, e.g. `klamydia`, `hepatit_b`, `esbl_carba`.
    pub id: String,
    pub name_sv: String,
    pub name_en: String,
    /// ICD-10 code(s) as written in the table (`;` separates alternatives); not verified against ICD-10-SE.
    pub icd10: String,
    /// `samhällsfarlig`, `allmänfarlig` or `anmälningspliktig`.
    pub category: String,
    /// Whether a treating doctor makes a clinical notification (false: reported by laboratories only, or not
    /// under the communicable diseases act at all).
    pub clinical: bool,
    /// Klamydia, gonorré, syfilis, hiv: reported with rikskod, without name, address or source.
    pub sti_group: bool,
    /// The supplement form for this disease, one of [`SUPPLEMENTS`].
    pub supplement: Option<String>,
    /// Also phone the smittskyddsläkare at once (EHEC).
    pub phone_at_once: bool,
    /// Among the diseases most often reported clinically on paper: candidates for a tick box of their own.
    pub frequent: bool,
    /// Swedish explanation for a disease that is not reported clinically; empty otherwise.
    pub clinical_note: String,
    /// Smittspårningspliktig (contact tracing is mandatory).
    pub contact_tracing: bool,
    /// Sources and uncertainty marks (English, for maintainers).
    pub notes: String,
}

/// The table of diseases, in the order of `data/diseases.csv`.
#[derive(Debug, Clone)]
pub struct Diseases {
    diseases: Vec<Disease>,
}

impl Diseases {
    /// The table embedded from `data/diseases.csv`, parsed once.
    pub fn embedded() -> &'static Diseases {
        static EMBEDDED: OnceLock<Diseases> = OnceLock::new();
        EMBEDDED.get_or_init(|| {
            Diseases::parse(EMBEDDED_CSV)
                .expect("data/diseases.csv is embedded and checked by the tests")
        })
    }

    /// Parses a table in the format of `data/diseases.csv`.
    pub fn parse(csv: &str) -> Result<Diseases> {
        let table = Table::parse(csv).context("data/diseases.csv")?;
        table
            .require(&[
                "id",
                "name_sv",
                "name_en",
                "icd10",
                "category",
                "contact_tracing",
                "clinical",
                "sti_group",
                "supplement",
                "phone_at_once",
                "frequent",
                "clinical_note",
                "notes",
            ])
            .context("data/diseases.csv")?;
        let mut diseases = Vec::new();
        let mut seen = HashSet::new();
        for row in table.rows() {
            let id = row.get("id").to_string();
            if id.is_empty()
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                bail!("diseases.csv line {}: bad id {id:?}", row.line);
            }
            if !seen.insert(id.clone()) {
                bail!("diseases.csv line {}: id {id} appears twice", row.line);
            }
            let supplement = match row.get("supplement") {
                "" => None,
                s if SUPPLEMENTS.contains(&s) => Some(s.to_string()),
                s => bail!("diseases.csv line {}: unknown supplement {s:?}", row.line),
            };
            diseases.push(Disease {
                name_sv: row.get("name_sv").to_string(),
                name_en: row.get("name_en").to_string(),
                icd10: row.get("icd10").to_string(),
                category: row.get("category").to_string(),
                clinical: row.flag("clinical")?,
                sti_group: row.flag("sti_group")?,
                supplement,
                phone_at_once: row.flag("phone_at_once")?,
                frequent: row.flag("frequent")?,
                clinical_note: row.get("clinical_note").to_string(),
                contact_tracing: row.flag("contact_tracing")?,
                notes: row.get("notes").to_string(),
                id,
            });
        }
        Ok(Diseases { diseases })
    }

    /// The disease with this id (exact, as in the `id` column).
    pub fn get(&self, id: &str) -> Option<&Disease> {
        self.diseases.iter().find(|d| d.id == id)
    }

    /// Every disease, in table order.
    pub fn all(&self) -> &[Disease] {
        &self.diseases
    }

    /// Diseases whose Swedish or English name or id contains `query`, ignoring case and diacritics
    /// ("massling" finds Mässling, "gonorre" finds Gonorré). An empty query matches every disease.
    pub fn find(&self, query: &str) -> Vec<&Disease> {
        let q = fold(query);
        self.diseases
            .iter()
            .filter(|d| {
                fold(&d.name_sv).contains(&q)
                    || fold(&d.name_en).contains(&q)
                    || d.id.contains(&q)
                    || d.id.replace('_', " ").contains(&q)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&Disease]) -> Vec<String> {
        list.iter().map(|d| d.id.clone()).collect()
    }

    #[test]
    fn embedded_table_parses_with_unique_ids() {
        let all = Diseases::embedded().all();
        assert!(all.len() >= 60, "{} diseases", all.len());
        let unique: HashSet<_> = all.iter().map(|d| &d.id).collect();
        assert_eq!(unique.len(), all.len());
        for d in all {
            assert!(
                !d.name_sv.is_empty() && !d.name_en.is_empty() && !d.icd10.is_empty(),
                "{}",
                d.id
            );
            assert!(
                ["samhällsfarlig", "allmänfarlig", "anmälningspliktig"]
                    .contains(&d.category.as_str()),
                "{}: {}",
                d.id,
                d.category
            );
        }
    }

    #[test]
    fn the_ids_the_forms_use_exist() {
        let t = Diseases::embedded();
        for id in [
            "klamydia",
            "gonorre",
            "syfilis",
            "hiv",
            "hepatit_b",
            "hepatit_c",
            "tuberkulos",
            "mrsa",
            "esbl_carba",
            "esbl",
            "salmonella",
            "ehec",
            "campylobacter",
            "shigella",
            "covid19",
            "influensa",
            "rotavirus",
            "atypiska_mykobakterier",
            "vcjd",
            "prp",
        ] {
            assert!(t.get(id).is_some(), "{id} missing");
        }
        assert!(t.get("Klamydia").is_none());
        assert!(t.get("").is_none());
    }

    #[test]
    fn four_diseases_follow_the_sti_rule() {
        let sti: Vec<_> = Diseases::embedded()
            .all()
            .iter()
            .filter(|d| d.sti_group)
            .collect();
        let mut got = ids(&sti);
        got.sort();
        assert_eq!(got, ["gonorre", "hiv", "klamydia", "syfilis"]);
        assert!(!Diseases::embedded().get("hepatit_b").unwrap().sti_group);
    }

    #[test]
    fn lab_only_diseases_are_not_clinical_and_say_why() {
        let t = Diseases::embedded();
        let not_clinical: Vec<_> = t.all().iter().filter(|d| !d.clinical).collect();
        let mut got = ids(&not_clinical);
        got.sort();
        assert_eq!(
            got,
            [
                "atypiska_mykobakterier",
                "covid19",
                "esbl",
                "influensa",
                "rotavirus",
                "vcjd"
            ]
        );
        for d in &not_clinical {
            assert!(
                !d.clinical_note.is_empty(),
                "{} needs a clinical_note",
                d.id
            );
            assert!(d.supplement.is_none() && !d.frequent, "{}", d.id);
        }
        for id in [
            "esbl",
            "influensa",
            "covid19",
            "rotavirus",
            "atypiska_mykobakterier",
        ] {
            assert!(
                t.get(id)
                    .unwrap()
                    .clinical_note
                    .contains("endast av laboratoriet"),
                "{id}"
            );
        }
        assert!(
            t.get("covid19")
                .unwrap()
                .clinical_note
                .contains("antigentest")
        );
        assert!(t.get("esbl_carba").unwrap().clinical);
        for d in t.all().iter().filter(|d| d.clinical) {
            assert!(d.clinical_note.is_empty(), "{}", d.id);
        }
    }

    #[test]
    fn supplements_are_the_four_known_forms() {
        let t = Diseases::embedded();
        for d in t.all() {
            if let Some(s) = &d.supplement {
                assert!(SUPPLEMENTS.contains(&s.as_str()), "{}: {s}", d.id);
            }
        }
        let sup = |id: &str| t.get(id).unwrap().supplement.clone();
        assert_eq!(sup("tuberkulos").as_deref(), Some("tillagg-tuberkulos"));
        assert_eq!(sup("hepatit_b").as_deref(), Some("tillagg-hepatit"));
        assert_eq!(sup("hepatit_c").as_deref(), Some("tillagg-hepatit"));
        assert_eq!(sup("mrsa").as_deref(), Some("tillagg-mrsa-esbl-carba"));
        assert_eq!(
            sup("esbl_carba").as_deref(),
            Some("tillagg-mrsa-esbl-carba")
        );
        // VRE follows the MRSA/ESBL-CARBA programme; hepatit A, tyfoid and paratyfoid get the travel questions.
        assert_eq!(sup("vre").as_deref(), Some("tillagg-mrsa-esbl-carba"));
        for id in [
            "salmonella",
            "ehec",
            "campylobacter",
            "shigella",
            "hepatit_a",
            "tyfoid",
            "paratyfoid",
        ] {
            assert_eq!(sup(id).as_deref(), Some("tillagg-tarm"), "{id}");
        }
        assert_eq!(
            t.all().iter().filter(|d| d.supplement.is_some()).count(),
            13
        );
        for s in SUPPLEMENTS {
            assert!(
                t.all().iter().any(|d| d.supplement.as_deref() == Some(s)),
                "{s} unused"
            );
        }
    }

    #[test]
    fn flags() {
        let t = Diseases::embedded();
        // Phoned in at once, each with a regional source in its notes (legionella is not: no source asks it).
        let mut phone: Vec<_> = t.all().iter().filter(|d| d.phone_at_once).collect();
        phone.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(
            ids(&phone),
            ["botulism", "ehec", "kolera", "meningokocker", "rabies"]
        );
        assert!(phone.iter().all(|d| d.notes.starts_with("phone at once: ")));
        let frequent = t.all().iter().filter(|d| d.frequent).count();
        assert!((12..=16).contains(&frequent), "{frequent} frequent");
        for id in [
            "campylobacter",
            "salmonella",
            "ehec",
            "hepatit_b",
            "hepatit_c",
            "tuberkulos",
            "mrsa",
        ] {
            assert!(t.get(id).unwrap().frequent, "{id}");
        }
        assert!(t.get("vcjd").unwrap().notes.contains("consider excluding"));
    }

    #[test]
    fn find_ignores_case_and_diacritics() {
        let t = Diseases::embedded();
        assert_eq!(ids(&t.find("MÄSSLING")), ["massling"]);
        assert_eq!(ids(&t.find("massling")), ["massling"]);
        assert_eq!(ids(&t.find("gonorre")), ["gonorre"]);
        assert_eq!(ids(&t.find("Gonorrhoea")), ["gonorre"]);
        assert_eq!(ids(&t.find("passjuka")), ["passjuka"]);
        assert_eq!(ids(&t.find("Röda hund")), ["roda_hund"]);
        assert_eq!(ids(&t.find("esbl_carba")), ["esbl_carba"]);
        let hep = ids(&t.find("hepatit"));
        assert_eq!(
            hep,
            [
                "hepatit_a",
                "hepatit_b",
                "hepatit_c",
                "hepatit_d",
                "hepatit_e"
            ]
        );
        assert!(ids(&t.find("esbl")).contains(&"esbl".to_string()));
        assert!(t.find("zzzz").is_empty());
        assert_eq!(t.find("").len(), t.all().len());
    }

    #[test]
    fn parse_rejects_bad_tables() {
        let header = "id,name_sv,name_en,icd10,category,contact_tracing,clinical,sti_group,supplement,phone_at_once,frequent,clinical_note,notes\n";
        let ok = format!("{header}x,X,X,A00,allmänfarlig,yes,yes,no,,no,no,,\n");
        assert!(Diseases::parse(&ok).is_ok());
        let dup = format!("{ok}x,X,X,A00,allmänfarlig,yes,yes,no,,no,no,,\n");
        assert!(Diseases::parse(&dup).is_err());
        let bad_flag = format!("{header}x,X,X,A00,allmänfarlig,yes,ja,no,,no,no,,\n");
        assert!(Diseases::parse(&bad_flag).is_err());
        let bad_supp = format!("{header}x,X,X,A00,allmänfarlig,yes,yes,no,tillagg-x,no,no,,\n");
        assert!(Diseases::parse(&bad_supp).is_err());
        let bad_id = format!("{header}X y,X,X,A00,allmänfarlig,yes,yes,no,,no,no,,\n");
        assert!(Diseases::parse(&bad_id).is_err());
        assert!(Diseases::parse("id,name_sv\nx,X\n").is_err());
    }
}
