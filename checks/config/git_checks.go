package config

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/prodcheck/prodcheck/check"
)

const (
	gitSection = "Configuration Management / Environment Variables"
	gitItem    = "Never commit `.env` file to git"
)

// GitEnvTrackedOptions configures [GitEnvTracked]; the zero value is the
// production default.
type GitEnvTrackedOptions struct{}

// GitEnvHistoryOptions configures [GitEnvHistory]; the zero value is the
// production default.
type GitEnvHistoryOptions struct{}

// GitEnvIgnoredOptions configures [GitEnvIgnored]; the zero value is the
// production default.
type GitEnvIgnoredOptions struct{}

// GitSecretsOptions configures [GitSecrets]; the zero value is the
// production default.
type GitSecretsOptions struct{}

func (r *Repository) meta(id, title string, sev check.Severity, remediation string) check.Meta {
	return check.Meta{ID: id, Target: r.target, Title: title, Section: gitSection, Item: gitItem,
		Severity: sev, Tags: []string{"security", "git", "secrets"}, Timeout: r.opts.Timeout + 30e9,
		Remediation: remediation}
}

// short shows a commit hash as its first 12 hex digits.
func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// GitEnvTracked (config.git.env-tracked, critical) fails when an env file
// is tracked now (git ls-files), in the repository or a checked-out
// submodule. It skips outside a git work tree.
func GitEnvTracked(r *Repository, _ GitEnvTrackedOptions) check.Check {
	return check.New(r.meta("config.git.env-tracked", "No .env file is tracked by git", check.SeverityCritical,
		"git rm --cached the file, add it to .gitignore, and rotate every secret it held."),
		func(ctx context.Context) check.Result {
			m, err := r.history.Get(ctx)
			if err != nil {
				return check.Error(err)
			}
			if m.notRepo != "" {
				return check.Skip(m.notRepo)
			}
			var fs []check.Finding
			for _, p := range m.tracked {
				fs = append(fs, check.Finding{Message: "env file tracked by git", Location: check.Location{File: p},
					Expected: "untracked and ignored", Actual: "tracked"})
			}
			return check.Judge(fs, "no env file is tracked", gitPlural(len(fs), "env file")+" tracked by git")
		})
}

// GitEnvHistory (config.git.env-history, high) fails when an env file is in
// any commit of any branch or tag (git log --all), deleted since or not. A
// finding names the path, the commit that added it and its author date,
// never the content. A shallow clone, or a submodule not checked out, is
// a Warn: the history is incomplete. It skips outside a git work tree.
func GitEnvHistory(r *Repository, _ GitEnvHistoryOptions) check.Check {
	return check.New(r.meta("config.git.env-history", "No .env file is in the git history", check.SeverityHigh,
		"Rotate every secret the file held (they are public to anyone with a clone), then rewrite the history (git filter-repo --invert-paths --path FILE) and force-push."),
		func(ctx context.Context) check.Result {
			m, err := r.history.Get(ctx)
			if err != nil {
				return check.Error(err)
			}
			if m.notRepo != "" {
				return check.Skip(m.notRepo)
			}
			var fs []check.Finding
			for _, h := range m.history {
				msg := fmt.Sprintf("env file in history: added in commit %s (%s), in %s",
					short(h.Commit), h.Date.Format("2006-01-02"), gitPlural(h.Commits, "commit"))
				fs = append(fs, check.Finding{Message: msg,
					Location: check.Location{File: h.Path, Resource: "commit " + h.Commit},
					Expected: "never committed", Actual: "committed"})
			}
			if m.pathsCapped {
				fs = append(fs, check.Finding{Message: fmt.Sprintf("more env files in history; only the first %d are listed", gitMaxPaths)})
			}
			if len(fs) > 0 {
				return check.Fail(gitPlural(len(m.history), "env file")+" in the git history", fs...)
			}
			if inc := incompleteHistory(m.shallow, m.incomplete); inc != "" {
				return check.Warn("history incomplete: " + inc + "; no env file in the part that was scanned")
			}
			return check.Pass("no env file in any commit of any branch")
		})
}

func incompleteHistory(shallow, incomplete []string) string {
	var parts []string
	for _, s := range shallow {
		parts = append(parts, s+" is a shallow clone")
	}
	parts = append(parts, incomplete...)
	if len(parts) > 0 && len(shallow) > 0 {
		parts = append(parts, "run git fetch --unshallow")
	}
	return strings.Join(parts, "; ")
}

// GitEnvIgnored (config.git.env-ignored, medium) fails when an env file
// name (each literal name of RepoOptions.Paths, ".env" by default, and each
// env file present in Dir) is not excluded by the git ignore rules
// (git check-ignore --no-index, so a tracked file is judged by its rules
// too), or by .dockerignore when Dir has one. It skips outside a git work
// tree.
func GitEnvIgnored(r *Repository, _ GitEnvIgnoredOptions) check.Check {
	return check.New(r.meta("config.git.env-ignored", ".env is excluded by .gitignore and .dockerignore", check.SeverityMedium,
		"Add .env (and .env.*, with !.env.example) to .gitignore and to .dockerignore."),
		func(ctx context.Context) check.Result {
			m, err := r.history.Get(ctx)
			if err != nil {
				return check.Error(err)
			}
			if m.notRepo != "" {
				return check.Skip(m.notRepo)
			}
			if m.dockerErr != nil {
				return check.Error(m.dockerErr)
			}
			var fs []check.Finding
			for _, n := range m.ignoreNames {
				if !m.gitIgnored[n] {
					fs = append(fs, check.Finding{Message: "not excluded by the git ignore rules",
						Location: check.Location{File: ".gitignore", Resource: n}, Expected: "ignored", Actual: "not ignored"})
				}
				if m.dockerFile != "" && !m.dockerIgn[n] {
					fs = append(fs, check.Finding{Message: "not excluded from the docker build context",
						Location: check.Location{File: m.dockerFile, Resource: n}, Expected: "ignored", Actual: "not ignored"})
				}
			}
			pass := "env files are excluded by the git ignore rules"
			if m.dockerFile != "" {
				pass += " and by .dockerignore"
			}
			return check.Judge(fs, pass, gitPlural(len(fs), "missing exclusion"))
		})
}

// GitSecrets (config.git.secrets, high) fails when an added line of any
// commit of any branch holds a high-confidence secret: an AWS access key
// id, a private key block, a GitHub, GitLab or Slack token, a Stripe live
// key, a JWT, or in an env file a secret-named KEY=value whose value
// internal/secret.Judge holds a secret (a low-entropy DB_PASSWORD too).
// AWS's documentation key is allowed. A finding names the commit, its
// author date, the path, the line in that commit's file, the pattern and
// a fingerprint of the value, never the value. A shallow clone is a Warn
// when nothing is found. It skips outside a git work tree.
func GitSecrets(r *Repository, _ GitSecretsOptions) check.Check {
	return check.New(r.meta("config.git.secrets", "No secret is in the git history", check.SeverityHigh,
		"Rotate each secret found (it is public to anyone with a clone), then rewrite the history (git filter-repo --replace-text) and force-push."),
		func(ctx context.Context) check.Result {
			m, err := r.content.Get(ctx)
			if err != nil {
				return check.Error(err)
			}
			if m.notRepo != "" {
				return check.Skip(m.notRepo)
			}
			var fs []check.Finding
			for _, h := range m.hits {
				what := h.Rule
				if h.Key != "" {
					what += " " + h.Key
				}
				fs = append(fs, check.Finding{
					Message:  fmt.Sprintf("%s added in commit %s (%s)", what, short(h.Commit), h.Date.Format("2006-01-02")),
					Location: check.Location{File: h.Path, Line: h.Line, Resource: "commit " + h.Commit},
					Expected: "no secret in history", Actual: h.Fingerprint})
			}
			if m.capped {
				fs = append(fs, check.Finding{Message: "more secrets in history; only the first " + strconv.Itoa(gitMaxSecretFindings) + " are listed"})
			}
			if len(fs) > 0 {
				return check.Fail(gitPlural(len(m.hits), "secret")+" in the git history", fs...)
			}
			if m.shallow {
				return check.Warn("history incomplete: a shallow clone; no secret in the part that was scanned")
			}
			return check.Pass("no secret in any added line of any branch")
		})
}

func gitPlural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
