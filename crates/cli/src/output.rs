//! Rendering results as aligned text tables or JSON.

use serde::Serialize;
use switchboard_core::domain::{Agent, Capability, Organization, PhoneNumber};
use switchboard_core::query::Page;
use switchboard_ops::NumberView;
use switchboard_ops::agents::{AgentLoad, Orphans};
use switchboard_providers::{ProviderError, ProviderErrorCode};

/// Prints a value as pretty JSON.
pub fn json<T: Serialize + ?Sized>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: cannot render JSON: {e}"),
    }
}

/// Prints rows under a header, columns padded to their widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}", w = *w))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// A column of a table: its header, and its cell in an item's row.
pub type Column<T> = (&'static str, fn(&T) -> String);

/// Items under a header, one row each, the columns as `columns` say.
pub fn rows<T>(items: &[T], columns: &[Column<T>]) {
    let header: Vec<&str> = columns.iter().map(|(h, _)| *h).collect();
    let rows: Vec<Vec<String>> = (items.iter())
        .map(|item| columns.iter().map(|(_, cell)| cell(item)).collect())
        .collect();
    table(&header, &rows);
}

/// Items as JSON, or as a table of `columns`.
pub fn listing<T: Serialize>(as_json: bool, items: &[T], columns: &[Column<T>]) {
    if as_json {
        return json(items);
    }
    rows(items, columns);
}

/// A result as JSON, or as the line `text` makes of it.
pub fn json_or<T: Serialize + ?Sized>(as_json: bool, value: &T, text: impl FnOnce(&T) -> String) {
    json_or_print(as_json, value, |v| println!("{}", text(v)));
}

/// A result as JSON, or in the words `print` prints.
pub fn json_or_print<T: Serialize + ?Sized>(as_json: bool, value: &T, print: impl FnOnce(&T)) {
    if as_json {
        json(value);
    } else {
        print(value);
    }
}

/// The columns of an organization listing.
pub const ORGANIZATION_COLUMNS: [Column<Organization>; 3] = [
    ("SLUG", |o| o.slug.clone()),
    ("NAME", |o| o.name.clone()),
    ("ID", |o| o.id.to_string()),
];

/// The columns of an agent listing.
pub const AGENT_COLUMNS: [Column<Agent>; 2] =
    [("NAME", |a| a.name.clone()), ("ID", |a| a.id.to_string())];

/// "1 number", "2 numbers".
pub fn count_of(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The orphan report: numbers with no agent (the count and the first few), agents with no
/// number, and every agent's count.
pub fn orphans(o: &Orphans) {
    println!(
        "{} with no agent{}",
        count_of(o.unassigned, "number"),
        if o.unassigned_sample.is_empty() {
            ""
        } else {
            ":"
        }
    );
    rows(&o.unassigned_sample, &NUMBER_COLUMNS);
    let shown = o.unassigned_sample.len() as u64;
    if o.unassigned > shown {
        println!(
            "… and {} more (numbers list --agent none)",
            o.unassigned - shown
        );
    }
    println!(
        "{} with no number:",
        count_of(o.idle_agents.len() as u64, "agent")
    );
    rows(&o.idle_agents, &AGENT_COLUMNS);
    println!("numbers per agent:");
    rows(&o.agents, &AGENT_LOAD_COLUMNS);
}

/// The columns of the orphan report's agents.
pub const AGENT_LOAD_COLUMNS: [Column<AgentLoad>; 3] = [
    ("NAME", |a| a.agent.name.clone()),
    ("NUMBERS", |a| a.numbers.to_string()),
    ("ID", |a| a.agent.id.to_string()),
];

/// One page of numbers with the exact total and the cursor of the next page.
pub fn number_page(as_json: bool, page: &Page, total: u64) {
    if as_json {
        return json(
            &serde_json::json!({ "items": page.items, "total": total, "next": page.next }),
        );
    }
    let views: Vec<NumberView> = page.items.iter().cloned().map(NumberView::from).collect();
    rows(&views, &NUMBER_COLUMNS);
    println!("{} of {total} shown", page.items.len());
    if let Some(next) = &page.next {
        println!("more: --after '{}'", next.0);
    }
}

/// The columns of a number listing.
pub const NUMBER_COLUMNS: [Column<NumberView>; 7] = [
    ("NUMBER", |v| v.display.clone()),
    ("COUNTRY", |v| {
        v.country.clone().unwrap_or_else(|| "—".into())
    }),
    ("TYPE", |v| v.number_type.clone()),
    ("PROVIDER", |v| v.provider.to_string()),
    ("STATUS", |v| v.status.to_string()),
    ("FRIENDLY NAME", |v| {
        v.friendly_name.clone().unwrap_or_default()
    }),
    ("ID", |v| v.id.clone()),
];

/// A webhook URL on record, or that none is.
fn on_record(url: Option<String>) -> String {
    url.unwrap_or_else(|| "not recorded".into())
}

/// A number in detail, one field a line.
pub fn number_detail(n: &PhoneNumber, agent: Option<&str>) {
    let v = NumberView::from(n.clone());
    let caps: Vec<&str> = (Capability::ALL.into_iter())
        .filter(|c| v.capabilities.has(*c))
        .map(Capability::as_str)
        .collect();
    let fields: Vec<(&str, String)> = vec![
        ("number", format!("{} ({})", v.display, v.phone_number)),
        (
            "country",
            v.country.unwrap_or_else(|| "non-geographic".into()),
        ),
        ("type", v.number_type),
        ("provider", n.provider.to_string()),
        ("friendly name", v.friendly_name.unwrap_or_default()),
        ("status", n.status.to_string()),
        ("agent", agent.unwrap_or("unassigned").to_owned()),
        ("capabilities", caps.join(", ")),
        (
            "webhook",
            match (&n.webhook_url, n.webhook_configured) {
                (Some(url), true) => format!("configured: {url}"),
                (Some(url), false) => format!("not configured (on record: {url})"),
                (None, _) => "not configured".into(),
            },
        ),
        ("voice webhook", on_record(v.voice_webhook_url)),
        (
            "sms webhook",
            match v.sms_webhook_url_problem {
                Some(problem) => format!("not recorded: {problem}"),
                None => on_record(v.sms_webhook_url),
            },
        ),
        ("credentials", n.credentials.to_json()),
        (
            "metadata",
            n.metadata.as_ref().map(|m| m.to_json()).unwrap_or_default(),
        ),
        ("created", v.created_at),
        ("updated", v.updated_at),
        (
            "last verified",
            v.last_verified_at.unwrap_or_else(|| "never".into()),
        ),
        ("id", v.id),
        ("organization", v.organization_id),
    ];
    for (k, v) in fields {
        println!("{k:>14}: {v}");
    }
}

/// A provider error as one line, with what the manager can do about it.
pub fn provider_message(e: &ProviderError) -> String {
    let hint = match e.code() {
        ProviderErrorCode::ProviderAuth => {
            "; check the account's secret and enter it again with `switchboard-cli accounts add`"
        }
        ProviderErrorCode::Offline => {
            " (a network failure, not a credential failure: nothing was changed)"
        }
        ProviderErrorCode::ProviderRateLimited => "; try again later",
        _ if matches!(e, ProviderError::SharedObject { .. }) => " (--allow-shared)",
        _ => "",
    };
    one_line(&format!("{e}{hint}"))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
