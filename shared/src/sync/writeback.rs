//! Two-way sync, the mapping half: what a person's edit of a page asks of the GitHub issue, as
//! the smallest [`IssuePatch`] — only fields that differ from what GitHub holds, and only fields
//! the edit touched. Entry point: [`plan`]. Pure, so every rule has a unit test.
//!
//! Editable properties (names and bindings from [`BoundSchema`], the same ones github-webhook
//! writes): `Name` → title, `Status` → state (+ `state_reason`), `Labels`, `Assignees`, and
//! `Milestone` when the database has it. Values are compared in their Notion form (the form
//! github-webhook writes: commas dropped from option names, long titles split), so a label
//! `needs triage, urgent` shown in Notion as `needs triage urgent` keeps its GitHub name.
//!
//! Pull requests: title, labels, assignees, milestone and Open/Closed are writable; `Merged`
//! and `Draft` are not (GitHub merges and drafts through other endpoints, with checks we must
//! not bypass), so such an edit is refused and the page is put back by the next GitHub event.

use std::collections::BTreeSet;

use super::schema::{BoundSchema, Field};
use crate::github::rest::issues::{IssuePatch, IssueState};
use crate::github::ItemState;
use crate::notion::{Page, PropertyValue};

/// A page property a person may edit to change GitHub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Editable {
    Title,
    Status,
    Labels,
    Assignees,
    Milestone,
}

impl Editable {
    pub const ALL: [Editable; 5] = [
        Editable::Title,
        Editable::Status,
        Editable::Labels,
        Editable::Assignees,
        Editable::Milestone,
    ];

    /// The sync field it is bound through (Milestone has its own binding, see [`Bindings`]).
    fn field(self) -> Option<Field> {
        match self {
            Editable::Title => Some(Field::Name),
            Editable::Status => Some(Field::Status),
            Editable::Labels => Some(Field::Labels),
            Editable::Assignees => Some(Field::Assignees),
            Editable::Milestone => None,
        }
    }
}

/// Where each editable value lives in this database.
#[derive(Debug, Clone, Copy)]
pub struct Bindings<'a> {
    pub schema: &'a BoundSchema,
    /// The Milestone property's name when the database has one (select or rich_text).
    pub milestone: Option<&'a str>,
}

impl Bindings<'_> {
    /// The property name of `editable`, if the database has it.
    pub fn property(&self, editable: Editable) -> Option<&str> {
        match editable.field() {
            Some(field) => self.schema.get(field).map(|b| b.property.as_str()),
            None => self.milestone,
        }
    }

    /// The issue key a page holds: `Repository` and `Issue #`.
    pub fn key(&self, page: &Page) -> Option<(String, u64)> {
        let repository = self
            .schema
            .get(Field::Repository)
            .and_then(|b| page.property(&b.property))
            .and_then(text_of)?;
        let number = page
            .property(self.schema.number())
            .and_then(PropertyValue::as_number)
            .filter(|n| n.fract() == 0.0 && *n >= 1.0)?;
        Some((repository, number as u64))
    }
}

/// What an edit asks of GitHub.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Fields that differ; empty means GitHub already holds the page's values.
    pub patch: IssuePatch,
    /// A milestone to set by title: the caller looks its number up (one call) and puts it in
    /// `patch.milestone`, or refuses when the repository has no such milestone.
    pub milestone_title: Option<String>,
    /// Edits that cannot be written, each saying why (logged; the rest is still written).
    pub refused: Vec<String>,
}

/// The patch for `page` against `issue`. `touched` restricts it to the properties the edit
/// changed (`None`: all editable ones, e.g. for a page a person created).
pub fn plan(
    page: &Page,
    bindings: &Bindings<'_>,
    touched: Option<&BTreeSet<Editable>>,
    issue: &IssueState,
) -> Plan {
    let mut plan = Plan::default();
    for editable in Editable::ALL {
        if touched.is_some_and(|t| !t.contains(&editable)) {
            continue;
        }
        let Some(value) = bindings.property(editable).and_then(|p| page.property(p)) else {
            continue;
        };
        match editable {
            Editable::Title => title(value, issue, &mut plan),
            Editable::Status => status(value, issue, &mut plan),
            Editable::Labels => {
                let have: Vec<&str> = issue.labels.iter().map(|l| l.name.as_str()).collect();
                plan.patch.labels = names(value, &have);
            }
            Editable::Assignees => {
                let have: Vec<&str> = issue.assignees.iter().map(|u| u.login.as_str()).collect();
                plan.patch.assignees = names(value, &have);
            }
            Editable::Milestone => milestone(value, issue, &mut plan),
        }
    }
    plan
}

fn title(value: &PropertyValue, issue: &IssueState, plan: &mut Plan) {
    let Some(text) = value.plain_text() else {
        return;
    };
    let text = text.trim();
    let shown = PropertyValue::title(&issue.title)
        .plain_text()
        .unwrap_or_default();
    if text == shown.trim() {
        return;
    }
    if text.is_empty() {
        plan.refused
            .push("an empty title cannot be written to GitHub (an issue needs one)".into());
        return;
    }
    plan.patch.title = Some(text.to_owned());
}

/// The Status label GitHub's state shows as (what github-webhook would write).
pub fn shown_state(issue: &IssueState) -> ItemState {
    match (issue.is_pull_request(), issue.is_open()) {
        (true, _) if issue.is_merged() => ItemState::Merged,
        (true, true) if issue.draft == Some(true) => ItemState::Draft,
        (_, true) => ItemState::Open,
        (_, false) => ItemState::Closed,
    }
}

fn status(value: &PropertyValue, issue: &IssueState, plan: &mut Plan) {
    let Some(label) = text_of(value) else {
        return;
    };
    let Some(wanted) = ItemState::from_label(&label) else {
        plan.refused.push(format!(
            "Status {label:?} is not one of Open, Closed (issues) or Open, Draft, Merged, Closed (pull requests)"
        ));
        return;
    };
    let shown = shown_state(issue);
    if wanted == shown {
        return;
    }
    let pull = issue.is_pull_request();
    match wanted {
        ItemState::Merged | ItemState::Draft if pull => plan.refused.push(format!(
            "a pull request cannot be set to {} from Notion (merge or draft it on GitHub); the page is put back by the next GitHub event",
            wanted.label()
        )),
        ItemState::Merged | ItemState::Draft => plan.refused.push(format!(
            "Status {} is only for pull requests; #{} is an issue",
            wanted.label(),
            issue.number
        )),
        _ if issue.is_merged() => plan.refused.push(
            "a merged pull request cannot be reopened or closed again; the page is put back by the next GitHub event".into(),
        ),
        ItemState::Open if pull && shown == ItemState::Draft => plan.refused.push(
            "a draft pull request cannot be marked ready from Notion (do it on GitHub); the page is put back by the next GitHub event".into(),
        ),
        ItemState::Open if issue.is_open() => {}
        ItemState::Closed if !issue.is_open() => {}
        ItemState::Open => {
            plan.patch.state = Some("open".into());
            if !pull {
                plan.patch.state_reason = Some("reopened".into());
            }
        }
        ItemState::Closed => {
            plan.patch.state = Some("closed".into());
            if !pull {
                plan.patch.state_reason = Some("completed".into());
            }
        }
    }
}

/// The names to send when the Notion options differ from GitHub's `have` (compared in Notion
/// form); a name that is GitHub's in Notion form is sent as GitHub spells it.
fn names(value: &PropertyValue, have: &[&str]) -> Option<Vec<String>> {
    let wanted = options_of(value)?;
    let shown: BTreeSet<String> = notion_form(have).into_iter().collect();
    let wanted_set: BTreeSet<String> = wanted.iter().cloned().collect();
    if shown == wanted_set {
        return None;
    }
    Some(
        wanted
            .into_iter()
            .map(|name| {
                have.iter()
                    .find(|original| notion_form(&[original]).first() == Some(&name))
                    .map_or(name, |original| (*original).to_owned())
            })
            .collect(),
    )
}

fn milestone(value: &PropertyValue, issue: &IssueState, plan: &mut Plan) {
    let wanted = text_of(value);
    let shown = issue.milestone.as_ref().and_then(|m| {
        PropertyValue::select(&m.title)
            .as_select()
            .map(str::to_owned)
    });
    if wanted == shown {
        return;
    }
    match wanted {
        None => plan.patch.milestone = Some(None),
        // Looked up by the caller with `find_milestone` (PATCH takes the number).
        Some(title) => plan.milestone_title = Some(title),
    }
}

/// The editable value a GitHub issue event changed (`closed` → Status, `labeled` → Labels, …);
/// `None` for events that change none (comments, references, …).
pub fn edited_field(github_event: &str) -> Option<Editable> {
    Some(match github_event {
        "closed" | "reopened" | "merged" | "converted_to_draft" | "ready_for_review" => {
            Editable::Status
        }
        "labeled" | "unlabeled" => Editable::Labels,
        "assigned" | "unassigned" => Editable::Assignees,
        "renamed" => Editable::Title,
        "milestoned" | "demilestoned" => Editable::Milestone,
        _ => return None,
    })
}

/// Whether a GitHub issue event changed a field the plan would write (then GitHub's edit, made
/// after the Notion edit, wins for that issue).
pub fn conflicts(plan: &Plan, github_event: &str) -> bool {
    let patch = &plan.patch;
    match edited_field(github_event) {
        Some(Editable::Status) => patch.state.is_some(),
        Some(Editable::Labels) => patch.labels.is_some(),
        Some(Editable::Assignees) => patch.assignees.is_some(),
        Some(Editable::Title) => patch.title.is_some(),
        Some(Editable::Milestone) => patch.milestone.is_some() || plan.milestone_title.is_some(),
        None => false,
    }
}

/// The number of the milestone shown in Notion as `title` (compared in Notion form).
pub fn find_milestone(
    milestones: &[crate::github::rest::issues::Milestone],
    title: &str,
) -> Option<u64> {
    milestones
        .iter()
        .find(|m| PropertyValue::select(&m.title).as_select() == Some(title))
        .map(|m| m.number)
}

/// Names as github-webhook writes them into a multi_select.
fn notion_form(names: &[&str]) -> Vec<String> {
    match PropertyValue::multi_select(names) {
        PropertyValue::MultiSelect(options) => options,
        _ => Vec::new(),
    }
}

/// Options of a multi_select, or a rich_text holding them joined by ", ".
fn options_of(value: &PropertyValue) -> Option<Vec<String>> {
    match value {
        PropertyValue::MultiSelect(options) => Some(options.clone()),
        PropertyValue::RichText(_) => {
            let text = value.plain_text()?;
            Some(
                text.split(", ")
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            )
        }
        _ => None,
    }
}

/// The text of a select, status or rich_text value; `None` when empty.
fn text_of(value: &PropertyValue) -> Option<String> {
    let text = match value {
        PropertyValue::Select(s) | PropertyValue::Status(s) => s.clone(),
        PropertyValue::RichText(_) | PropertyValue::Title(_) => value.plain_text(),
        _ => None,
    }?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests;
