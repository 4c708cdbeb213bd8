//! The 21 regions and the smittskyddsenhet that receives paper notifications in each (`data/regions.csv`),
//! with an operator's override file on top.
//!
//! Override file (TOML), every field but `code` optional:
//! ```toml
//! [[region]]
//! code = "03"
//! sme_name = "Smittskyddsenheten"
//! address = ["Smittskyddsenheten", "Box 123", "751 85 Uppsala"]
//!
//! [[region]]
//! code = "14"
//! [[region.office]]
//! id = "boras"
//! address = ["Smittskydd Västra Götaland", "Box 123", "501 82 Borås"]
//! ```
//!
//! A region with several offices (Västra Götaland: Borås, Göteborg, Skövde, Uddevalla) lets the reporter choose
//! the one responsible; the address printed is that office's, or none until an operator gives it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};

use super::csv::Table;

const EMBEDDED_CSV: &str = include_str!("../../data/regions.csv");

/// Environment variable naming an override file; it wins over `<data_dir>/regions.toml`.
pub const ENV_VAR: &str = "BLANKETT_REGIONS";

/// File name looked for in the data directory when [`ENV_VAR`] is not set.
pub const DATA_DIR_FILE: &str = "regions.toml";

/// The county codes (ISO 3166-2:SE) of the 21 regions, in order.
pub const CODES: [&str; 21] = [
    "01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14", "17", "18", "19", "20",
    "21", "22", "23", "24", "25",
];

/// One region and where its paper notifications go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// County code, two digits (`01`, `12`).
    pub code: String,
    /// `Region Stockholm`.
    pub name: String,
    /// The smittskyddsenhet, as printed when the address is unknown.
    pub sme_name: String,
    /// The complete postal address, addressee line included, one entry a line. Empty when unknown: the form
    /// then prints `sme_name` and no address, never an invented one.
    pub address_lines: Vec<String>,
    /// The offices a reporter chooses among (Västra Götaland); empty for a region with one address.
    #[serde(default)]
    pub offices: Vec<Office>,
    /// The smittskyddsenhet's telephone for a disease that is phoned in at once; empty when no source gives it
    /// (the page then points to the hospital switchboard, where the smittskyddsläkare on call is reached).
    #[serde(default)]
    pub phone: String,
    /// Sources and uncertainty marks (English, for maintainers).
    pub notes: String,
}

/// One office of a region with several: the reporter chooses the one responsible for the patient's municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Office {
    /// ASCII id used in URLs (`boras`).
    pub id: String,
    /// `Borås`.
    pub name: String,
    /// The office's postal address, addressee first; empty when unknown (never invented).
    pub address_lines: Vec<String>,
}

impl Region {
    /// Whether a postal address is known.
    pub fn has_address(&self) -> bool {
        !self.address_lines.is_empty()
    }

    /// Whether the reporter must choose an office before a form can carry an address.
    pub fn has_offices(&self) -> bool {
        !self.offices.is_empty()
    }

    pub fn office(&self, id: &str) -> Option<&Office> {
        self.offices.iter().find(|o| o.id == id)
    }

    /// The region as addressed to one of its offices: the office's address (or none), the unit's name with the
    /// office's. What the renderer prints in the envelope window.
    pub fn for_office(&self, id: &str) -> Option<Region> {
        let office = self.office(id)?;
        Some(Region {
            sme_name: format!("{}, {}", self.sme_name, office.name),
            address_lines: office.address_lines.clone(),
            offices: Vec::new(),
            ..self.clone()
        })
    }
}

/// The regions, in code order.
#[derive(Debug, Clone)]
pub struct Regions {
    regions: Vec<Region>,
    override_file: Option<PathBuf>,
}

/// Normalises a county code: `"3"`, `"03"` and `" 03 "` give `"03"`. Returns `None` unless the input is one or
/// two ASCII digits (it does not check that a region has the code).
pub fn normalize_code(code: &str) -> Option<String> {
    let code = code.trim();
    if code.is_empty() || code.len() > 2 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{code:0>2}"))
}

impl Regions {
    /// The regions embedded from `data/regions.csv`, without any override.
    pub fn embedded() -> Regions {
        static EMBEDDED: OnceLock<Regions> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| {
                Regions::parse_csv(EMBEDDED_CSV)
                    .expect("data/regions.csv is embedded and checked by the tests")
            })
            .clone()
    }

    /// The embedded regions with `override_file` (TOML) applied on top, if given.
    pub fn load(override_file: Option<&Path>) -> Result<Regions> {
        let mut regions = Regions::embedded();
        if let Some(path) = override_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("Kunde inte läsa regionfilen {}", path.display()))?;
            regions
                .apply_override(&text)
                .with_context(|| format!("Fel i regionfilen {}", path.display()))?;
            regions.override_file = Some(path.to_path_buf());
        }
        Ok(regions)
    }

    /// The regions as the service should use them: with the file named by `BLANKETT_REGIONS` if that variable is
    /// set (a missing file is then an error), else with `<data_dir>/regions.toml` if it exists, else embedded.
    pub fn from_env_or_data_dir(data_dir: Option<&Path>) -> Result<Regions> {
        let from_env = std::env::var_os(ENV_VAR).filter(|v| !v.is_empty());
        Regions::resolve(from_env.as_deref().map(Path::new), data_dir)
    }

    fn resolve(env_file: Option<&Path>, data_dir: Option<&Path>) -> Result<Regions> {
        if let Some(path) = env_file {
            return Regions::load(Some(path))
                .with_context(|| format!("{ENV_VAR}={}", path.display()));
        }
        if let Some(dir) = data_dir {
            let path = dir.join(DATA_DIR_FILE);
            if path.is_file() {
                return Regions::load(Some(&path));
            }
        }
        Ok(Regions::embedded())
    }

    /// The region with this county code; `"3"` and `"03"` both give Region Uppsala.
    pub fn get(&self, code: &str) -> Option<&Region> {
        let code = normalize_code(code)?;
        self.regions.iter().find(|r| r.code == code)
    }

    /// Every region, in code order.
    pub fn all(&self) -> &[Region] {
        &self.regions
    }

    /// The override file that was applied, if any.
    pub fn override_file(&self) -> Option<&Path> {
        self.override_file.as_deref()
    }

    fn parse_csv(csv: &str) -> Result<Regions> {
        let table = Table::parse(csv).context("data/regions.csv")?;
        table
            .require(&[
                "code", "name", "sme_name", "address", "offices", "phone", "notes",
            ])
            .context("data/regions.csv")?;
        let mut regions = Vec::new();
        for row in table.rows() {
            let code = normalize_code(row.get("code"))
                .filter(|c| CODES.contains(&c.as_str()))
                .ok_or_else(|| {
                    anyhow!(
                        "regions.csv line {}: bad code {:?}",
                        row.line,
                        row.get("code")
                    )
                })?;
            // `id=Name;id=Name`: the offices, addresses from configuration.
            let mut offices = Vec::new();
            for part in row
                .get("offices")
                .split(';')
                .filter(|p| !p.trim().is_empty())
            {
                let (id, name) = part
                    .split_once('=')
                    .ok_or_else(|| anyhow!("regions.csv line {}: bad office {part:?}", row.line))?;
                offices.push(Office {
                    id: id.trim().to_string(),
                    name: name.trim().to_string(),
                    address_lines: Vec::new(),
                });
            }
            let address_lines = row
                .get("address")
                .split('|')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect();
            regions.push(Region {
                code,
                name: row.get("name").to_string(),
                sme_name: row.get("sme_name").to_string(),
                address_lines,
                offices,
                phone: row.get("phone").trim().to_string(),
                notes: row.get("notes").to_string(),
            });
        }
        regions.sort_by(|a, b| a.code.cmp(&b.code));
        let codes: Vec<&str> = regions.iter().map(|r| r.code.as_str()).collect();
        if codes != CODES {
            bail!("data/regions.csv must list each of the 21 county codes once, found {codes:?}");
        }
        Ok(Regions {
            regions,
            override_file: None,
        })
    }

    /// Applies an override in TOML (see the module docs). Messages are in Swedish: an operator reads them.
    fn apply_override(&mut self, toml_text: &str) -> Result<()> {
        let file: OverrideFile = toml::from_str(toml_text)
            .map_err(|e| anyhow!("filen kunde inte tolkas som regionfil (TOML): {e}"))?;
        let mut seen = HashSet::new();
        for (i, o) in file.region.into_iter().enumerate() {
            let n = i + 1;
            let raw = match &o.code {
                CodeValue::Text(s) => s.clone(),
                CodeValue::Number(n) => n.to_string(),
            };
            let code = normalize_code(&raw).ok_or_else(|| {
                anyhow!("[[region]] nr {n}: regionkoden {raw:?} ska vara två siffror, t.ex. \"03\"")
            })?;
            if !seen.insert(code.clone()) {
                bail!("[[region]] nr {n}: region {code} förekommer mer än en gång");
            }
            let Some(region) = self.regions.iter_mut().find(|r| r.code == code) else {
                bail!(
                    "[[region]] nr {n}: okänd regionkod {code:?}; giltiga koder är {}",
                    CODES.join(", ")
                );
            };
            if let Some(name) = o.name {
                region.name = non_empty(name, "name", &code)?;
            }
            if let Some(sme_name) = o.sme_name {
                region.sme_name = non_empty(sme_name, "sme_name", &code)?;
            }
            if let Some(address) = o.address {
                let mut lines = Vec::with_capacity(address.len());
                for line in address {
                    lines.push(non_empty(line, "address", &code)?);
                }
                region.address_lines = lines;
            }
            // `copies` is still accepted so that older files load, and ignored: one form ID is one sheet.
            let _ = o.copies;
            for (k, office) in o.office.into_iter().enumerate() {
                let at = format!("region {code}, kontor nr {}", k + 1);
                let id = non_empty(office.id, "office.id", &code)?;
                if !id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    bail!("{at}: id {id:?} får bara ha a-z, 0-9 och _");
                }
                let mut lines = Vec::new();
                for line in office.address.unwrap_or_default() {
                    lines.push(non_empty(line, "office.address", &code)?);
                }
                match region.offices.iter_mut().find(|x| x.id == id) {
                    Some(existing) => {
                        if let Some(name) = office.name {
                            existing.name = non_empty(name, "office.name", &code)?;
                        }
                        existing.address_lines = lines;
                    }
                    None => {
                        let Some(name) = office.name else {
                            bail!("{at}: kontoret {id:?} finns inte; ett nytt kontor behöver name");
                        };
                        region.offices.push(Office {
                            id,
                            name: non_empty(name, "office.name", &code)?,
                            address_lines: lines,
                        });
                    }
                }
            }
            if let Some(notes) = o.notes {
                region.notes = notes;
            }
            if let Some(phone) = o.phone {
                region.phone = phone.trim().to_string();
            }
        }
        Ok(())
    }
}

fn non_empty(value: String, field: &str, code: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        bail!("region {code}: {field} får inte vara tomt");
    }
    Ok(trimmed.to_string())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideFile {
    #[serde(default)]
    region: Vec<RegionOverride>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionOverride {
    code: CodeValue,
    name: Option<String>,
    sme_name: Option<String>,
    address: Option<Vec<String>>,
    /// No longer used (one form ID is one sheet); accepted so that older files still load.
    copies: Option<toml::Value>,
    notes: Option<String>,
    phone: Option<String>,
    #[serde(default)]
    office: Vec<OfficeOverride>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficeOverride {
    id: String,
    name: Option<String>,
    address: Option<Vec<String>>,
}

/// `code = "03"` or, forgivingly, `code = 3`.
#[derive(Deserialize)]
#[serde(untagged, expecting = "en regionkod som text, t.ex. code = \"03\"")]
enum CodeValue {
    Text(String),
    Number(i64),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write_toml(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn every_region_loads_with_its_code() {
        let r = Regions::embedded();
        let codes: Vec<&str> = r.all().iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, CODES);
        for region in r.all() {
            assert!(
                region.name.starts_with("Region ") || region.code == "14",
                "{}",
                region.name
            );
            assert!(!region.sme_name.is_empty(), "{}", region.code);
            assert!(!region.notes.is_empty(), "{}", region.code);
            assert!(
                region
                    .address_lines
                    .iter()
                    .all(|l| !l.trim().is_empty() && !l.contains('|'))
            );
            if let Some(last) = region.address_lines.last() {
                // The last line is "NNN NN Ort".
                let b = last.as_bytes();
                assert!(
                    b.len() > 7 && b[..3].iter().all(u8::is_ascii_digit) && b[3] == b' ',
                    "{}: {last}",
                    region.code
                );
            }
        }
        assert_eq!(r.get("01").unwrap().name, "Region Stockholm");
        assert_eq!(r.get("14").unwrap().name, "Västra Götalandsregionen");
        assert_eq!(r.get("25").unwrap().name, "Region Norrbotten");
        assert!(r.override_file().is_none());
    }

    #[test]
    fn get_normalises_codes() {
        let r = Regions::embedded();
        assert_eq!(r.get("3").unwrap().code, "03");
        assert_eq!(r.get("03").unwrap().code, "03");
        assert_eq!(r.get(" 12 ").unwrap().code, "12");
        for bad in [
            "02", "2", "11", "15", "16", "26", "003", "", "a", "1a", "ÅÄ", "-1", "+3",
        ] {
            assert!(r.get(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn vastra_gotaland_has_four_offices_without_invented_addresses() {
        let r = Regions::embedded();
        let vgr = r.get("14").unwrap();
        let names: Vec<&str> = vgr.offices.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["Borås", "Göteborg", "Skövde", "Uddevalla"]);
        assert!(vgr.offices.iter().all(|o| o.address_lines.is_empty()));
        let boras = vgr.for_office("boras").unwrap();
        assert_eq!(boras.sme_name, "Smittskydd Västra Götaland, Borås");
        assert!(!boras.has_address() && !boras.has_offices());
        assert!(vgr.for_office("malmo").is_none());
        assert!(
            r.all()
                .iter()
                .filter(|x| x.code != "14")
                .all(|x| !x.has_offices())
        );
        // Gävleborg as its own page gives it.
        assert_eq!(
            r.get("21").unwrap().address_lines,
            [
                "Smittskyddsläkaren",
                "Budstation 85",
                "Gävle sjukhus",
                "801 87 Gävle"
            ]
        );
    }

    #[test]
    fn an_operator_gives_an_office_its_address() {
        let f = write_toml(
            r#"
[[region]]
code = "14"
[[region.office]]
id = "skovde"
address = ["Smittskydd Västra Götaland", "Box 1", "541 85 Skövde"]
"#,
        );
        let r = Regions::load(Some(f.path())).unwrap();
        let vgr = r.get("14").unwrap();
        assert_eq!(vgr.offices.len(), 4);
        assert_eq!(
            vgr.for_office("skovde").unwrap().address_lines,
            ["Smittskydd Västra Götaland", "Box 1", "541 85 Skövde"]
        );
        assert!(vgr.office("boras").unwrap().address_lines.is_empty());
        let msg = load_err("[[region]]\ncode = \"14\"\n[[region.office]]\nid = \"lund\"\n");
        assert!(msg.contains("lund") && msg.contains("name"), "{msg}");
        let msg = load_err(
            "[[region]]\ncode = \"14\"\n[[region.office]]\nid = \"Borås\"\nname = \"X\"\n",
        );
        assert!(msg.contains("a-z"), "{msg}");
    }

    #[test]
    fn unknown_addresses_are_empty() {
        let r = Regions::embedded();
        // Eight marked UNKNOWN, and Västernorrland (22) whose only address found is probably outdated.
        let unknown = ["03", "04", "14", "17", "18", "19", "24", "25"];
        for code in unknown {
            let region = r.get(code).unwrap();
            assert!(
                region.address_lines.is_empty(),
                "{code}: {:?}",
                region.address_lines
            );
            assert!(region.notes.contains("UNKNOWN"), "{code}");
        }
        assert!(!r.get("22").unwrap().has_address());
        assert!(r.get("22").unwrap().notes.contains("UNCERTAIN"));
        let empty: Vec<&str> = r
            .all()
            .iter()
            .filter(|x| !x.has_address())
            .map(|x| x.code.as_str())
            .collect();
        assert_eq!(
            empty,
            ["03", "04", "14", "17", "18", "19", "22", "24", "25"]
        );
        assert_eq!(
            r.get("01").unwrap().address_lines,
            ["HSF/Smittskydd Stockholm", "Box 30017", "104 25 Stockholm"]
        );
        assert_eq!(
            r.get("12").unwrap().address_lines,
            ["Smittskydd Skåne", "205 02 Malmö"]
        );
    }

    #[test]
    fn override_changes_only_what_it_names() {
        let f = write_toml(
            r#"
# Uppsala's address, confirmed by phone
[[region]]
code = "03"
sme_name = "Smittskyddsenheten, Region Uppsala"
address = ["Smittskyddsenheten", "Box 123", "751 85 Uppsala"]

[[region]]
code = 12
copies = 1

[[region]]
code = "1"
address = []
"#,
        );
        let r = Regions::load(Some(f.path())).unwrap();
        let base = Regions::embedded();
        let up = r.get("03").unwrap();
        assert_eq!(up.sme_name, "Smittskyddsenheten, Region Uppsala");
        assert_eq!(
            up.address_lines,
            ["Smittskyddsenheten", "Box 123", "751 85 Uppsala"]
        );
        assert_eq!(up.name, "Region Uppsala");
        assert_eq!(up.notes, base.get("03").unwrap().notes);
        assert_eq!(
            r.get("12").unwrap().address_lines,
            base.get("12").unwrap().address_lines
        );
        assert!(r.get("01").unwrap().address_lines.is_empty());
        for code in CODES.iter().filter(|c| !["01", "03", "12"].contains(c)) {
            assert_eq!(r.get(code), base.get(code), "{code}");
        }
        assert_eq!(r.override_file(), Some(f.path()));
        // The embedded table is not changed by an override.
        assert_eq!(
            Regions::embedded().get("03").unwrap().address_lines.len(),
            0
        );
    }

    #[test]
    fn empty_override_changes_nothing() {
        let f = write_toml("# nothing yet\n");
        let r = Regions::load(Some(f.path())).unwrap();
        assert_eq!(r.all(), Regions::embedded().all());
        assert_eq!(
            Regions::load(None).unwrap().all(),
            Regions::embedded().all()
        );
    }

    fn load_err(text: &str) -> String {
        let f = write_toml(text);
        let err = Regions::load(Some(f.path())).unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains(&f.path().display().to_string()),
            "no path in: {msg}"
        );
        msg
    }

    #[test]
    fn unknown_code_in_override_is_named() {
        let msg = load_err("[[region]]\ncode = \"02\"\nsme_name = \"X\"\n");
        assert!(msg.contains("okänd regionkod \"02\""), "{msg}");
        let msg = load_err("[[region]]\ncode = \"Uppsala\"\n");
        assert!(msg.contains("\"Uppsala\""), "{msg}");
    }

    #[test]
    fn invalid_override_files_give_clear_errors() {
        let msg = load_err("[[region]]\ncode = \"03\"\naddress = \"Box 1, 751 85 Uppsala\"\n");
        assert!(msg.contains("kunde inte tolkas"), "{msg}");
        let msg = load_err("[[region]\ncode = \"03\"\n");
        assert!(msg.contains("kunde inte tolkas"), "{msg}");
        let msg = load_err("[[region]]\nsme_name = \"X\"\n");
        assert!(msg.contains("code"), "{msg}");
        let msg = load_err("[[region]]\ncode = \"03\"\nadress = [\"X\"]\n");
        assert!(msg.contains("adress"), "{msg}");
        let msg = load_err("[[region]]\ncode = \"03\"\nsme_name = \"  \"\n");
        assert!(msg.contains("sme_name"), "{msg}");
        let msg = load_err("[[region]]\ncode = \"03\"\n[[region]]\ncode = \"3\"\n");
        assert!(msg.contains("mer än en gång"), "{msg}");
        let msg = load_err("regions = 1\n");
        assert!(msg.contains("kunde inte tolkas"), "{msg}");
    }

    #[test]
    fn missing_override_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("none.toml");
        let msg = format!("{:#}", Regions::load(Some(&path)).unwrap_err());
        assert!(
            msg.contains("Kunde inte läsa regionfilen") && msg.contains("none.toml"),
            "{msg}"
        );
    }

    #[test]
    fn resolution_order_env_then_data_dir_then_embedded() {
        let dir = tempfile::tempdir().unwrap();
        // Nothing in the data dir: embedded.
        let r = Regions::resolve(None, Some(dir.path())).unwrap();
        assert!(r.override_file().is_none());
        assert!(
            Regions::resolve(None, None)
                .unwrap()
                .override_file()
                .is_none()
        );
        // regions.toml in the data dir is used.
        let in_dir = dir.path().join(DATA_DIR_FILE);
        std::fs::write(&in_dir, "[[region]]\ncode = \"04\"\nnotes = \"dir\"\n").unwrap();
        let r = Regions::resolve(None, Some(dir.path())).unwrap();
        assert_eq!(r.get("04").unwrap().notes, "dir");
        assert_eq!(r.override_file(), Some(in_dir.as_path()));
        // The environment's file wins.
        let env = write_toml("[[region]]\ncode = \"04\"\nnotes = \"env\"\n");
        let r = Regions::resolve(Some(env.path()), Some(dir.path())).unwrap();
        assert_eq!(r.get("04").unwrap().notes, "env");
        // A file named by the environment must exist.
        let missing = dir.path().join("missing.toml");
        let msg = format!(
            "{:#}",
            Regions::resolve(Some(&missing), Some(dir.path())).unwrap_err()
        );
        assert!(
            msg.contains(ENV_VAR) && msg.contains("missing.toml"),
            "{msg}"
        );
    }

    #[test]
    fn from_env_or_data_dir_without_the_variable() {
        // The variable is not set in the test environment; setting it would race with other tests.
        if std::env::var_os(ENV_VAR).is_none() {
            let r = Regions::from_env_or_data_dir(None).unwrap();
            assert_eq!(r.all().len(), 21);
        }
    }

    #[test]
    fn the_readme_example_is_a_valid_override() {
        let readme = include_str!("../../data/README.md");
        let start = readme
            .find("```toml\n")
            .expect("data/README.md has a toml example")
            + 8;
        let len = readme[start..].find("```").unwrap();
        let r = Regions::load(Some(write_toml(&readme[start..start + len]).path())).unwrap();
        assert_eq!(r.get("03").unwrap().address_lines.len(), 3);
        assert_eq!(r.get("14").unwrap().offices.len(), 4);
    }

    #[test]
    fn normalize_code_examples() {
        assert_eq!(normalize_code("1").as_deref(), Some("01"));
        assert_eq!(normalize_code("01").as_deref(), Some("01"));
        assert_eq!(normalize_code("25").as_deref(), Some("25"));
        assert_eq!(normalize_code("125"), None);
        assert_eq!(normalize_code(""), None);
        assert_eq!(normalize_code("٣"), None);
    }
}
