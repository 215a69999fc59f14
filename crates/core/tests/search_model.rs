//! Model-based test: every listing and count, through every access path the planner may pick
//! (counters, trigram index, index scans), must equal a brute-force filter over all rows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use switchboard_core::domain::{Capability, PhoneNumber, Provider, Status};
use switchboard_core::query::{NumberFilter, NumberQuery, SearchText, Sort, SortField, search_key};
use switchboard_core::store::{NumberRef, Workspace};
use switchboard_core::{domain::NumberUpdate, seed};

fn matches(n: &PhoneNumber, f: &NumberFilter) -> bool {
    let text = match &f.search {
        None => true,
        Some(SearchText::Digits(d)) => n.phone_number.digits().contains(d.as_str()),
        Some(SearchText::Name(s)) => {
            search_key(n.friendly_name.as_deref().unwrap_or("")).contains(s.as_str())
        }
    };
    text && f.provider.is_none_or(|p| n.provider == p)
        && f.status.is_none_or(|s| n.status == s)
        && f.capabilities.iter().all(|c| n.capabilities().has(*c))
        && f.country
            .as_ref()
            .is_none_or(|c| n.facts().country.as_deref() == Some(c.as_str()))
}

fn listed(ws: &Workspace, f: &NumberFilter, sort: Sort) -> Vec<String> {
    let mut out = Vec::new();
    let mut q = NumberQuery::first(f.clone(), sort, 50).unwrap();
    loop {
        let page = ws.list_numbers(&q).unwrap();
        out.extend(page.items.iter().map(|n| n.id.to_string()));
        match page.next {
            Some(c) => q.after = Some(c),
            None => return out,
        }
    }
}

fn search_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,5}",
        "(supp|bill|lond|fran|esc|ber|desk|ort|ing|zz)",
        "[a-z ]{1,4}",
        Just("+1 (4".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn every_path_agrees_with_brute_force(
        queries in proptest::collection::vec((search_text(), 0..5usize, 0..5usize, any::<bool>(), 0..3usize), 6),
        edits in proptest::collection::vec((0..2500usize, 0..3usize), 0..20),
        few_matches in prop_oneof![Just(0usize), 1..60usize, Just(2000usize)],
    ) {
        let mut ws = Workspace::open_in_memory().unwrap();
        ws.set_few_matches(few_matches);
        // Above DEFERRED_BATCH rows the seed exercises the deferred index path too.
        let org = seed::seed(&mut ws, "model", 2500, |_, _| {}).unwrap().organization.id;
        let other = seed::seed(&mut ws, "other", 300, |_, _| {}).unwrap().organization.id;
        let mut rows = Vec::new();
        ws.for_each_number(org, |n| { rows.push(n.clone()); Ok(()) }).unwrap();
        // Edits keep the index and counters in step: rename, change status, or remove.
        for (i, kind) in edits {
            let Some(n) = rows.get(i).cloned() else { continue };
            let r = NumberRef::Id(n.id);
            match kind {
                0 => { ws.remove_number(&r, None).unwrap(); rows.retain(|x| x.id != n.id); }
                1 => {
                    let u = NumberUpdate { friendly_name: Some(Some(format!("Renamed {i} desk"))), ..Default::default() };
                    let new = ws.update_number(&r, None, &u).unwrap();
                    rows.iter_mut().filter(|x| x.id == n.id).for_each(|x| *x = new.clone());
                }
                _ => {
                    let u = NumberUpdate { status: Some(Status::Error), ..Default::default() };
                    let new = ws.update_number(&r, None, &u).unwrap();
                    rows.iter_mut().filter(|x| x.id == n.id).for_each(|x| *x = new.clone());
                }
            }
        }
        for (text, provider, filter, desc, sort) in queries {
            let mut f = NumberFilter::org(org).search(&text);
            f.provider = [None, Some(Provider::Twilio), Some(Provider::Telnyx), None, None][provider];
            match filter {
                1 => f.status = Some(Status::Error),
                2 => f.capabilities = vec![Capability::Mms],
                3 => f.country = Some("GB".into()),
                4 => {
                    f.status = Some(Status::Inactive);
                    f.capabilities = vec![Capability::Mms];
                }
                _ => {}
            }
            let field = [SortField::Number, SortField::FriendlyName, SortField::Updated][sort];
            let sort = Sort { field, descending: desc };
            let mut want: Vec<&PhoneNumber> = rows.iter().filter(|n| matches(n, &f)).collect();
            prop_assert_eq!(ws.count_numbers(&f).unwrap(), want.len() as u64, "count {:?}", f);
            let got = listed(&ws, &f, sort);
            let mut got_sorted = got.clone();
            got_sorted.sort();
            want.sort_by_key(|n| n.id.to_string());
            let want_ids: Vec<String> = want.iter().map(|n| n.id.to_string()).collect();
            prop_assert_eq!(&got_sorted, &want_ids, "rows {:?}", f);
            // A selection to change in bulk: the same rows, in E.164 order.
            let mut selected: Vec<String> =
                ws.select_numbers(&f).unwrap().iter().map(|id| id.to_string()).collect();
            let mut by_number = want.clone();
            by_number.sort_by_key(|n| n.phone_number.to_string());
            let in_order: Vec<String> = by_number.iter().map(|n| n.id.to_string()).collect();
            prop_assert_eq!(&selected, &in_order, "selected {:?}", f);
            selected.sort();
            prop_assert_eq!(selected, want_ids, "selected {:?}", f);
        }
        prop_assert!(ws.integrity_check().unwrap().is_empty());
        prop_assert!(ws.count_numbers(&NumberFilter::org(other)).unwrap() == 300);
    }
}
