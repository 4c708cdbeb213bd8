//! Form definitions: loading, layout and validation. One definition of each form drives everything else.

pub mod definition;
pub mod export;
pub mod layout;
pub mod page;
pub mod validate;
pub mod values;

use crate::formid::FormCode;
use definition::{FormDefinition, FormKind};
use layout::FormLayout;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_forms.rs"));
}

/// One form version, its definition and its computed layout.
#[derive(Debug)]
pub struct Form {
    pub def: FormDefinition,
    pub layout: FormLayout,
    pub code: FormCode,
}

impl Form {
    pub fn name(&self) -> &str {
        &self.def.form
    }
    pub fn version(&self) -> u32 {
        self.def.version
    }
    pub fn kind(&self) -> FormKind {
        self.def.kind
    }
    pub fn page_count(&self) -> usize {
        self.layout.pages.len()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: blanketten godtas inte:\n  - {}", errors.join("\n  - "))]
    Invalid { file: String, errors: Vec<String> },
    #[error("{file}: {form} version {version} finns redan")]
    Duplicate {
        file: String,
        form: String,
        version: u32,
    },
    #[error("{file}: koden {code} används redan av {other}")]
    CodeTaken {
        file: String,
        code: String,
        other: String,
    },
    #[error("okänd blankett '{0}'")]
    UnknownForm(String),
    #[error("blanketten '{0}' har ingen version {1}")]
    UnknownVersion(String, u32),
}

/// Parses, lays out and validates one definition file.
pub fn load_definition(file: &str, text: &str) -> Result<Form, FormError> {
    let def: FormDefinition = toml::from_str(text).map_err(|e| FormError::Parse {
        file: file.to_string(),
        message: e.to_string(),
    })?;
    let layout = layout::lay_out(&def).map_err(|e| FormError::Invalid {
        file: file.to_string(),
        errors: vec![e.0],
    })?;
    let mut errors = validate::validate(&def, &layout);
    // An invalid code is reported by validate.
    let code = FormCode::parse(&def.code, def.version).ok();
    let expected_file = format!("{}.v{}.toml", def.form, def.version);
    if !file.ends_with(&expected_file) {
        errors.push(format!("filen ska heta {expected_file}"));
    }
    match (errors.is_empty(), code) {
        (true, Some(code)) => Ok(Form { def, layout, code }),
        _ => Err(FormError::Invalid {
            file: file.to_string(),
            errors,
        }),
    }
}

/// Every form version known to this binary.
#[derive(Debug, Default)]
pub struct Registry {
    /// form name -> version -> form
    forms: BTreeMap<String, BTreeMap<u32, Arc<Form>>>,
    by_code: BTreeMap<FormCode, Arc<Form>>,
}

impl Registry {
    /// The definitions compiled into the binary. They are checked by the test suite, so a failure here is a
    /// build defect.
    pub fn embedded() -> &'static Registry {
        static REGISTRY: OnceLock<Registry> = OnceLock::new();
        REGISTRY.get_or_init(|| {
            match Registry::from_sources(embedded::EMBEDDED_FORMS.iter().copied()) {
                Ok(registry) => registry,
                Err(e) => panic!("embedded form definitions are invalid: {e}"),
            }
        })
    }

    /// Loads every `*.toml` in `dir` (for reviewing a definition before it is built in).
    pub fn from_dir(dir: &Path) -> Result<Registry, Box<dyn std::error::Error + Send + Sync>> {
        let mut sources = Vec::new();
        let mut entries: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        {
            sources.push((path.display().to_string(), std::fs::read_to_string(&path)?));
        }
        Ok(Registry::from_sources(
            sources.iter().map(|(f, t)| (f.as_str(), t.as_str())),
        )?)
    }

    pub fn from_sources<'a>(
        sources: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Result<Registry, FormError> {
        let mut registry = Registry::default();
        for (file, text) in sources {
            let form = Arc::new(load_definition(file, text)?);
            if let Some(other) = registry.by_code.get(&form.code) {
                return Err(FormError::CodeTaken {
                    file: file.to_string(),
                    code: form.code.to_string(),
                    other: format!("{} v{}", other.name(), other.version()),
                });
            }
            // A code belongs to one form for ever: a new version keeps it, another form may not take it.
            if let Some(clash) = registry.forms.iter().find(|(name, versions)| {
                *name != form.name() && versions.values().any(|f| f.code.code == form.code.code)
            }) {
                return Err(FormError::CodeTaken {
                    file: file.to_string(),
                    code: form.def.code.clone(),
                    other: clash.0.clone(),
                });
            }
            let versions = registry.forms.entry(form.name().to_string()).or_default();
            if versions.contains_key(&form.version()) {
                return Err(FormError::Duplicate {
                    file: file.to_string(),
                    form: form.name().to_string(),
                    version: form.version(),
                });
            }
            versions.insert(form.version(), form.clone());
            registry.by_code.insert(form.code, form);
        }
        Ok(registry)
    }

    /// The named form in the given version, or its newest version.
    pub fn get(&self, name: &str, version: Option<u32>) -> Result<&Arc<Form>, FormError> {
        let versions = self
            .forms
            .get(name)
            .ok_or_else(|| FormError::UnknownForm(name.to_string()))?;
        match version {
            Some(v) => versions
                .get(&v)
                .ok_or_else(|| FormError::UnknownVersion(name.to_string(), v)),
            None => versions
                .values()
                .next_back()
                .ok_or_else(|| FormError::UnknownForm(name.to_string())),
        }
    }

    /// The form version a form ID or page stamp names.
    pub fn by_code(&self, code: &FormCode) -> Option<&Arc<Form>> {
        self.by_code.get(code)
    }

    /// Every form version, by name then version.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Form>> {
        self.forms.values().flat_map(|v| v.values())
    }

    /// The newest version of every form.
    pub fn latest(&self) -> impl Iterator<Item = &Arc<Form>> {
        self.forms.values().filter_map(|v| v.values().next_back())
    }
}
