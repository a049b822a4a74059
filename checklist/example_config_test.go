package checklist_test

import (
	"context"
	"fmt"

	"github.com/prodcheck/prodcheck/checklist"
)

func ExampleParseConfig() {
	_, err := checklist.ParseConfig(".", "prodcheck.yaml", []byte("version: 1\ntargets:\n  databases:\n    - {name: main, dsn: postgres://app:pw@db/app}\n"))
	fmt.Println(err)
	// Output:
	// checklist: config prodcheck.yaml:4:25: targets.databases[0].dsn: a DSN is never written in prodcheck.yaml: put it in an environment variable and name it with dsn_env
}

func ExampleBuild() {
	cfg, err := checklist.ParseConfig(".", "prodcheck.yaml", []byte("version: 1\ntargets:\n  tls: [shop.example.com:443, api.example.com:443]\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := checklist.Build(context.Background(), cfg, checklist.BuildOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range plan.Checks {
		if m := c.Meta(); m.ID == "security.tls.cert.expiry" {
			fmt.Println(m.Name())
		}
	}
	// Output:
	// security.tls.cert.expiry [shop.example.com:443]
	// security.tls.cert.expiry [api.example.com:443]
}
