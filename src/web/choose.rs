//! Which form a notification is made on: the disease decides. The STI/HIV group gets `klinisk-sti`, a disease
//! with a supplement gets it attached, and the laboratory-only diseases get an explanation instead of a form.

use crate::domain::diseases::Disease;
use crate::forms::definition::FormKind;
use crate::forms::{Form, Registry};
use crate::validation;
use std::sync::Arc;

/// The forms of one copy: a main form and its supplements.
#[derive(Clone)]
pub struct Plan {
    pub main: Arc<Form>,
    pub supplements: Vec<Arc<Form>>,
}

impl Plan {
    pub fn parts(&self) -> Vec<&Form> {
        std::iter::once(self.main.as_ref())
            .chain(self.supplements.iter().map(|f| f.as_ref()))
            .collect()
    }
}

pub enum Decision {
    /// Reported clinically on this plan.
    Report(Plan),
    /// Not reported clinically (laboratory only, or under another law). `exception` is the plan for the stated
    /// exception (covid-19 found with a patient-near antigen test that no laboratory reports).
    NotClinical { exception: Option<Plan> },
    /// The form the disease needs is not in this binary.
    Unavailable(String),
}

/// The main form a clinical notification of `disease` is made on.
pub fn main_form_name(disease: &Disease) -> &'static str {
    if disease.sti_group {
        "klinisk-sti"
    } else {
        "klinisk"
    }
}

/// The supplements printed with `main` for `disease` (those this binary has).
pub fn supplements(registry: &Registry, main: &Form, disease: Option<&Disease>) -> Vec<Arc<Form>> {
    let Some(name) = disease.and_then(|d| d.supplement.as_deref()) else {
        return Vec::new();
    };
    // Supplements belong to clinical notifications, not to paragraph notifications.
    if main.name().starts_with("paragraf") {
        return Vec::new();
    }
    match registry.get(name, None) {
        Ok(form) if form.kind() == FormKind::Supplement => vec![form.clone()],
        _ => Vec::new(),
    }
}

pub fn for_disease(registry: &Registry, disease: &Disease) -> Decision {
    let name = main_form_name(disease);
    let plan = match registry.get(name, None) {
        Ok(main) => Plan {
            main: main.clone(),
            supplements: supplements(registry, main, Some(disease)),
        },
        Err(_) => return Decision::Unavailable(name.to_string()),
    };
    if !disease.clinical {
        return Decision::NotClinical {
            exception: validation::clinical_exception(disease).then_some(plan),
        };
    }
    Decision::Report(plan)
}

/// The newest version of every paragraph notification form.
pub fn paragraph_forms(registry: &Registry) -> Vec<Arc<Form>> {
    registry
        .latest()
        .filter(|f| f.kind() == FormKind::Main && f.name().starts_with("paragraf"))
        .cloned()
        .collect()
}

/// The newest version of every main form, clinical ones first.
pub fn main_forms(registry: &Registry) -> Vec<Arc<Form>> {
    let mut forms: Vec<Arc<Form>> = registry
        .latest()
        .filter(|f| f.kind() == FormKind::Main)
        .cloned()
        .collect();
    forms.sort_by_key(|f| (!f.name().starts_with("klinisk"), f.name().to_string()));
    forms
}

/// The newest version of every supplement.
pub fn supplement_forms(registry: &Registry) -> Vec<Arc<Form>> {
    registry
        .latest()
        .filter(|f| f.kind() == FormKind::Supplement)
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::diseases::Diseases;

    fn decide(id: &str) -> Decision {
        for_disease(Registry::embedded(), Diseases::embedded().get(id).unwrap())
    }

    fn names(plan: &Plan) -> Vec<String> {
        plan.parts().iter().map(|f| f.name().to_string()).collect()
    }

    #[test]
    fn the_disease_decides_the_form() {
        for id in ["klamydia", "gonorre", "syfilis", "hiv"] {
            match decide(id) {
                Decision::Report(plan) => assert_eq!(names(&plan), ["klinisk-sti"], "{id}"),
                _ => panic!("{id}"),
            }
        }
        match decide("salmonella") {
            Decision::Report(plan) => assert_eq!(names(&plan), ["klinisk", "tillagg-tarm"]),
            _ => panic!(),
        }
        match decide("tuberkulos") {
            Decision::Report(plan) => assert_eq!(names(&plan), ["klinisk", "tillagg-tuberkulos"]),
            _ => panic!(),
        }
        match decide("kikhosta") {
            Decision::Report(plan) => assert_eq!(names(&plan), ["klinisk"]),
            _ => panic!(),
        }
        for id in [
            "influensa",
            "rotavirus",
            "esbl",
            "atypiska_mykobakterier",
            "vcjd",
        ] {
            assert!(
                matches!(decide(id), Decision::NotClinical { exception: None }),
                "{id}"
            );
        }
        assert!(matches!(
            decide("covid19"),
            Decision::NotClinical { exception: Some(_) }
        ));
    }

    #[test]
    fn form_lists() {
        let reg = Registry::embedded();
        assert_eq!(paragraph_forms(reg).len(), 3);
        let mains = main_forms(reg);
        assert_eq!(mains[0].name(), "klinisk");
        assert!(mains.iter().all(|f| f.kind() == FormKind::Main));
        assert_eq!(supplement_forms(reg).len(), 4);
    }
}
