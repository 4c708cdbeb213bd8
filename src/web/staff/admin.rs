//! Admin pages: accounts (add, approve, deactivate, roles and regions, password) and the two logs, filtered, with
//! whether each chain still verifies. Only for accounts with the admin role; others get 403.

use super::export::download;
use super::session::Caller;
use super::views::short_time;
use super::{Face, Site, csrf, refuse, see_other, segment, staff_error};
use crate::staff::StaffError;
use crate::staff::accounts::{AccountKind, AccountStatus, NewAccount, Role};
use crate::staff::export::log_csv;
use crate::store::audit::{LogFilter, LogKind};
use crate::web::Params;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

/// Most log entries shown on the page (the CSV has them all).
const LOG_PAGE_MAX: usize = 500;

pub fn admin_only(site: &Site, caller: &Caller) -> Result<(), HttpResponse> {
    if caller.account.is_admin() {
        Ok(())
    } else {
        Err(refuse(
            site,
            Some(caller),
            caller.face,
            StatusCode::FORBIDDEN,
            "Sidan är bara för administratörer.",
        ))
    }
}

macro_rules! admin_or_return {
    ($site:expr, $caller:expr) => {
        if let Err(res) = admin_only(&$site, &$caller) {
            return res;
        }
    };
}

#[derive(Serialize)]
struct AccountView {
    username: String,
    display_name: String,
    hsa_id: String,
    group: bool,
    admin: bool,
    handlaggare: bool,
    regions: Vec<String>,
    status: &'static str,
    awaiting: bool,
    active: bool,
    approved_by: String,
    created: String,
    action: String,
}

#[derive(Serialize)]
struct RegionOption {
    code: String,
    name: String,
}

fn status_text(s: AccountStatus) -> &'static str {
    match s {
        AccountStatus::AwaitingApproval => "Väntar på godkännande",
        AccountStatus::Active => "Aktivt",
        AccountStatus::Inactive => "Inaktiverat",
    }
}

pub async fn users(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    admin_or_return!(site, caller);
    let accounts = match site.staff.accounts.all() {
        Ok(a) => a,
        Err(e) => return staff_error(&site, Some(&caller), Face::Page, e),
    };
    let views: Vec<AccountView> = accounts
        .iter()
        .map(|a| AccountView {
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            hsa_id: a.hsa_id.clone().unwrap_or_default(),
            group: a.kind == AccountKind::Group,
            admin: a.roles.contains(&Role::Admin),
            handlaggare: a.roles.contains(&Role::Handlaggare),
            regions: a.regions.clone(),
            status: status_text(a.status),
            awaiting: a.status == AccountStatus::AwaitingApproval,
            active: a.status == AccountStatus::Active,
            approved_by: a.approved_by.clone().unwrap_or_default(),
            created: short_time(&a.created_at),
            action: format!("/staff/admin/anvandare/{}", a.username),
        })
        .collect();
    let regions: Vec<RegionOption> = site
        .regions
        .all()
        .iter()
        .map(|r| RegionOption {
            code: r.code.clone(),
            name: r.name.clone(),
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("accounts", &views);
    ctx.insert("all_regions", &regions);
    ctx.insert("done", &Params::query(&req).get("klart"));
    site.staff_views.page(
        &site,
        Some(&caller),
        StatusCode::OK,
        "staff/anvandare.html",
        &mut ctx,
    )
}

fn admin_form(
    req: &HttpRequest,
    site: &Site,
    caller: &Caller,
    body: &[u8],
) -> Result<Params, HttpResponse> {
    admin_only(site, caller)?;
    csrf::form(site, caller, req, body)
}

fn roles_of(params: &Params) -> Vec<Role> {
    let mut roles = Vec::new();
    for r in params.all("roles") {
        match r {
            "handlaggare" => roles.push(Role::Handlaggare),
            "admin" => roles.push(Role::Admin),
            _ => {}
        }
    }
    roles
}

fn regions_of(site: &Site, params: &Params) -> Result<Vec<String>, StaffError> {
    let mut out = Vec::new();
    for r in params.all("regions") {
        if site.regions.get(r).is_none() {
            return Err(StaffError::Invalid(format!("Regionen {r} finns inte.")));
        }
        out.push(r.to_string());
    }
    Ok(out)
}

fn audit_admin(site: &Site, caller: &Caller, action: &str, detail: &str) -> Result<(), StaffError> {
    site.staff
        .audit
        .append(LogKind::User, caller.username(), action, None, None, detail)?;
    Ok(())
}

/// `POST /staff/admin/anvandare`: a new account, active at once (an admin created it).
pub async fn add_user(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    body: web::Bytes,
) -> HttpResponse {
    let params = match admin_form(&req, &site, &caller, &body) {
        Ok(p) => p,
        Err(res) => return res,
    };
    let result = (|| {
        let username = params
            .get("username")
            .ok_or_else(|| StaffError::Invalid("Ange ett användarnamn.".into()))?
            .to_lowercase();
        let regions = regions_of(&site, &params)?;
        let roles = roles_of(&params);
        let new = NewAccount {
            username: username.clone(),
            display_name: params.get("display_name").unwrap_or(&username).to_string(),
            hsa_id: params.get("hsa_id").map(str::to_string),
            kind: if params.get("kind") == Some("group") {
                AccountKind::Group
            } else {
                AccountKind::Personal
            },
            roles: roles.clone(),
            regions: regions.clone(),
            password: params.get("password").map(str::to_string),
            approved_by: Some(caller.username().to_string()),
        };
        let account = site.staff.accounts.add(new)?;
        audit_admin(
            &site,
            &caller,
            "account_added",
            &format!(
                "{}: roller {:?}, regioner {}",
                account.username,
                roles,
                regions.join(" ")
            ),
        )?;
        Ok(account)
    })();
    match result {
        Ok(_) => see_other("/staff/admin/anvandare?klart=tillagt"),
        Err(e) => staff_error(&site, Some(&caller), Face::Page, e),
    }
}

/// `POST /staff/admin/anvandare/{user}` with `action` = `approve`, `deactivate`, `reactivate`, `roles` or
/// `password`.
pub async fn change_user(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    body: web::Bytes,
) -> HttpResponse {
    let params = match admin_form(&req, &site, &caller, &body) {
        Ok(p) => p,
        Err(res) => return res,
    };
    let user = segment(&req, "user");
    let accounts = &site.staff.accounts;
    let by = caller.username();
    let result: Result<&str, StaffError> = (|| {
        if accounts.get(&user)?.is_none() {
            return Err(StaffError::NotFound);
        }
        match params.get("action") {
            Some("approve") | Some("reactivate") => {
                accounts.set_status(&user, AccountStatus::Active, by)?;
                audit_admin(&site, &caller, "account_approved", &user)?;
                Ok("godkant")
            }
            Some("deactivate") => {
                if user == by {
                    return Err(StaffError::Invalid(
                        "Du kan inte inaktivera ditt eget konto.".into(),
                    ));
                }
                accounts.set_status(&user, AccountStatus::Inactive, by)?;
                site.staff.sessions.remove_all_of(&user)?;
                audit_admin(&site, &caller, "account_deactivated", &user)?;
                Ok("inaktiverat")
            }
            Some("roles") => {
                let roles = roles_of(&params);
                let regions = regions_of(&site, &params)?;
                accounts.set_roles_and_regions(&user, roles.clone(), regions.clone())?;
                audit_admin(
                    &site,
                    &caller,
                    "account_changed",
                    &format!("{user}: roller {roles:?}, regioner {}", regions.join(" ")),
                )?;
                Ok("andrat")
            }
            Some("password") => {
                let Some(pw) = params.get("password") else {
                    return Err(StaffError::Invalid("Skriv det nya lösenordet.".into()));
                };
                accounts.set_password(&user, pw)?;
                site.staff.sessions.remove_all_of(&user)?;
                audit_admin(&site, &caller, "password_set", &user)?;
                Ok("losenord")
            }
            _ => Err(StaffError::Invalid("Okänd åtgärd.".into())),
        }
    })();
    match result {
        Ok(done) => see_other(&format!("/staff/admin/anvandare?klart={done}")),
        Err(e) => staff_error(&site, Some(&caller), Face::Page, e),
    }
}

#[derive(Serialize)]
struct EntryView {
    seq: u64,
    at: String,
    actor: String,
    /// In Swedish.
    action: String,
    /// As stored.
    code: String,
    document: String,
    region: String,
    detail: String,
}

fn log_query(params: &Params) -> (LogKind, LogFilter) {
    let kind = if params.get("logg") == Some("dokument") {
        LogKind::Document
    } else {
        LogKind::User
    };
    let filter = LogFilter {
        actor: params.get("actor").map(str::to_string),
        // Typed as the page shows it ("öppnade") or as the code.
        action: params.get("action").map(crate::staff::log_words::code),
        document: params.get("document").map(str::to_string),
        regions: None,
        from: params.get("from").map(str::to_string),
        to: params.get("to").map(|t| {
            // A date alone means the whole day.
            if t.len() == 10 {
                format!("{t}T23:59:59Z")
            } else {
                t.to_string()
            }
        }),
        limit: None,
    };
    (kind, filter)
}

pub async fn log(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    admin_or_return!(site, caller);
    let params = Params::query(&req);
    let (kind, filter) = log_query(&params);
    let (entries, check) = match site
        .staff
        .audit
        .entries(kind, &filter)
        .and_then(|e| Ok((e, site.staff.audit.verify(kind)?)))
    {
        Ok(x) => x,
        Err(e) => return staff_error(&site, Some(&caller), Face::Page, e.into()),
    };
    let total = entries.len();
    let labels = field_labels(&site);
    let views: Vec<EntryView> = entries
        .iter()
        .rev()
        .take(LOG_PAGE_MAX)
        .map(|e| EntryView {
            seq: e.seq,
            at: e.at.get(..19).unwrap_or(&e.at).replace('T', " "),
            actor: e.actor.clone(),
            action: crate::staff::log_words::swedish(&e.action).to_string(),
            code: e.action.clone(),
            document: e
                .document
                .as_deref()
                .map(super::views::shown_id)
                .unwrap_or_default(),
            region: e.region.clone().unwrap_or_default(),
            detail: readable_detail(&e.detail, &labels),
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("entries", &views);
    ctx.insert("total", &total);
    ctx.insert("shown", &views.len());
    ctx.insert("document_log", &(kind == LogKind::Document));
    ctx.insert("checked", &check.entries);
    ctx.insert("broken", &check.first_broken);
    for k in ["actor", "action", "document", "from", "to"] {
        ctx.insert(k, params.get(k).unwrap_or_default());
    }
    ctx.insert(
        "csv",
        &format!("/staff/admin/logg.csv?{}", req.query_string()),
    );
    site.staff_views.page(
        &site,
        Some(&caller),
        StatusCode::OK,
        "staff/logg.html",
        &mut ctx,
    )
}

/// Field name -> "Label (section)" over every form: the log names fields by their stable names, the page by
/// what the form calls them.
fn field_labels(site: &Site) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    for form in site.registry.all() {
        for field in form.layout.pages.iter().flat_map(|p| p.fields.iter()) {
            out.entry(field.name.clone())
                .or_insert_with(|| format!("{} ({})", field.label, field.section));
        }
    }
    out
}

/// A log detail with the field names in it replaced by their labels (`patient.namn` -> "Efternamn och förnamn
/// (3. Patient)"); everything else as written.
fn readable_detail(detail: &str, labels: &std::collections::HashMap<String, String>) -> String {
    let mut out = String::with_capacity(detail.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        match labels.get(token.as_str()) {
            Some(label) => out.push_str(label),
            None => out.push_str(token),
        }
        token.clear();
    };
    for c in detail.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_' {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

pub async fn log_csv_export(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
) -> HttpResponse {
    admin_or_return!(site, caller);
    let params = Params::query(&req);
    let (kind, filter) = log_query(&params);
    let name = if kind == LogKind::Document {
        "dokumentlogg"
    } else {
        "anvandarlogg"
    };
    let result = site
        .staff
        .audit
        .entries(kind, &filter)
        .map_err(StaffError::from)
        .and_then(|entries| {
            let csv = log_csv(&entries)?;
            audit_admin(
                &site,
                &caller,
                "export",
                &format!("{name}, {} poster", entries.len()),
            )?;
            Ok(csv)
        });
    match result {
        Ok(csv) => download(
            "text/csv; charset=utf-8",
            &format!("{name}.csv"),
            csv.into_bytes(),
        ),
        Err(e) => staff_error(&site, Some(&caller), Face::Page, e),
    }
}

#[cfg(test)]
mod tests {
    use super::readable_detail;

    #[test]
    fn field_names_in_a_log_detail_read_as_labels() {
        let labels = [(
            "patient.namn".to_string(),
            "Efternamn och förnamn (3. Patient)".to_string(),
        )]
        .into_iter()
        .collect();
        assert_eq!(
            readable_detail("patient.namn: \"BERG\" -> \"BERGH\"", &labels),
            "Efternamn och förnamn (3. Patient): \"BERG\" -> \"BERGH\""
        );
        assert_eq!(
            readable_detail("SMI-01-2026-00001, patient.okand", &labels),
            "SMI-01-2026-00001, patient.okand"
        );
    }
}
