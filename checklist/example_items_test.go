package checklist_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/prodcheck/prodcheck/checklist"
)

// Every line of the checklist is an item of exactly one kind.
func ExampleItems() {
	counts := map[checklist.Kind]int{}
	for _, it := range checklist.Items() {
		counts[it.Kind]++
	}
	for _, k := range []checklist.Kind{checklist.Automated, checklist.Attested, checklist.NotAutomated} {
		fmt.Printf("%-17s %d\n", k, counts[k])
	}

	it, _ := checklist.Find("database-security.encryption")
	fmt.Printf("line %d, %s: %s\n", it.Line, it.Section, it.Text)
	fmt.Println(it.Kind, it.Checks)

	mfa, _ := checklist.Find("authentication.mfa")
	fmt.Println(mfa.Checks, "fallback:", mfa.Fallback())
	// Output:
	// automated         47
	// attestation       6
	// not yet automated 59
	// line 25, Security Hardening / Database Security: Enable database connection encryption (SSL/TLS)
	// automated [database.dsn.tls database.dsn.tls-verify postgres.tls.*]
	// [security.mfa.enforced attest.authentication.mfa] fallback: attest.authentication.mfa
}

// An attestation is recorded with Attest and checked like any other check.
func ExampleAttest() {
	root, _ := os.MkdirTemp("", "attest")
	defer os.RemoveAll(root)
	_ = os.WriteFile(filepath.Join(root, "release-notes.md"), []byte("announced in #releases"), 0o644)

	now := func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) }
	opts := checklist.AttestOptions{Root: root, Now: now}
	err := checklist.Attest(opts, checklist.Attestation{
		Item:     "pre-deployment.team-notified",
		By:       "Jane Doe",
		Evidence: "release-notes.md",
		Expires:  time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC),
	})
	fmt.Println("attest:", err)

	it, _ := checklist.Find("pre-deployment.team-notified")
	for _, c := range checklist.AttestationChecks([]checklist.Item{it}, opts) {
		res := c.Run(context.Background())
		fmt.Println(c.Meta().ID, res.Status, res.Message)
	}

	later := checklist.AttestOptions{Root: root, Now: func() time.Time { return time.Date(2027, 3, 2, 0, 0, 0, 0, time.UTC) }}
	res := checklist.AttestationChecks([]checklist.Item{it}, later)[0].Run(context.Background())
	fmt.Println(res.Status, res.Message)
	// Output:
	// attest: <nil>
	// attest.pre-deployment.team-notified pass attested by Jane Doe on 2026-12-02T09:00:00Z, expires 2027-03-01; evidence file release-notes.md exists
	// fail expired on 2027-03-01: re-attest with `prodcheck attest pre-deployment.team-notified --by NAME --evidence PATH|URL --expires YYYY-MM-DD`
}
