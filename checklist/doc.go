// Package checklist turns production-checklist.md into data and checks.
//
// Every line of the embedded checklist ([Document]) is an [Item], with a
// stable ID, its section and text, and exactly one [Kind]:
//
//   - Automated: the checks of the checks/* packages whose Meta.Item is
//     the line's text verify it; Item.Checks lists their IDs (exact, or
//     path.Match globs such as "postgres.tls.*").
//   - Attested: no machine can verify it ("Team notified of deployment",
//     "Terms of service"); a person records an [Attestation] in the
//     attestation file, and the check "attest." + ID reads it.
//   - NotAutomated: no check is built for it yet; [Item.Placeholder]
//     keeps it visible in every report with a Warn "not yet automated",
//     which fails a strict run. None is dropped silently.
//
// Both "- [ ]" and "- [x]" lines are items: the mark in the source
// document is its author's claim, which prodcheck verifies rather than
// trusts.
//
// # Attestation fallbacks
//
// Two Automated items also accept an attestation: "Add MFA" is verified by
// security.mfa.enforced (config.MFAChallenge) when a test account's login
// flow is configured, and "Incident response procedures" by
// docs.incident-response when its document path is configured. When the
// machine check's target is not configured, the attestation
// "attest.authentication.mfa" (or "attest.documentation.incident-response")
// stands in for it. [Item.Fallback] returns that ID; such an item's Checks
// list it after the machine checks. [AttestationChecks] builds the
// attestation check for every attestable item it is given, so a caller
// that configures the machine check leaves the item out of that list.
//
// # Attestations
//
// The attestation file (attestations.yaml by default) is YAML:
//
//	attestations:
//	  - item: pre-deployment.team-notified
//	    by: Jane Doe
//	    at: 2026-12-01
//	    evidence: docs/release-notes.md
//	    expires: 2027-03-01
//
// [Attest] adds or replaces one entry and keeps the file's comments;
// [ReadAttestations] reads it. The file and every evidence path are read
// through the guarded reader (internal/guard): confined to the project
// root, even through symlinks, regular files only, sizes capped. Errors
// name the file and line, never quote the file's content.
//
// # Documentation checks
//
// [OpenAPIDocument] (docs.openapi) loads and validates an OpenAPI 3
// document with github.com/getkin/kin-openapi, without fetching external
// references. [MarkdownDocument] (docs.runbook, docs.architecture,
// docs.incident-response, docs.rollback-plan) requires a document with
// headings and more than a stub.
//
// # prodcheck.yaml, Build and the checklist view
//
// [LoadConfig] reads prodcheck.yaml through the guarded reader; its errors
// name file:line:col and the key, never a value, and a literal DSN is
// refused (databases are named by environment variable). [Build] turns a
// [Config] into a [Plan]: every check of every configured target (each
// target kind is a list, each outcome named by its target), a Skip "not
// configured: add targets.X to prodcheck.yaml" for each check of a family
// with no target, the placeholders and attestation checks, and the
// Runner's policy, waivers and severity overrides. [Summarize] maps a
// run's outcomes back onto the lines, and [WriteChecklist] prints the
// checklist as the document reads, its marks filled in.
//
// Everything here is safe for concurrent use; no function keeps state
// between calls.
package checklist
