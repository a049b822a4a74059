package security

import (
	"fmt"
	"strings"
)

// A CSPPolicy is one parsed Content-Security-Policy: its directives,
// names lower-cased, in the order they appear.
type CSPPolicy struct {
	Directives map[string][]string // sources lower-cased; a -src directive with none is ['none']
	Order      []string
}

// Has reports whether the policy sets directive d.
func (p CSPPolicy) Has(d string) bool { _, ok := p.Directives[d]; return ok }

// effective returns the source list that governs fetch directive d: d
// itself, else default-src; ok is false when neither is set (anything
// goes).
func (p CSPPolicy) effective(d string) ([]string, bool) {
	if v, ok := p.Directives[d]; ok {
		return v, true
	}
	v, ok := p.Directives["default-src"]
	return v, ok
}

// cspDuplicatesAllowed may repeat without making the policy invalid.
var cspDuplicatesAllowed = map[string]bool{"report-uri": true, "report-to": true}

// ParseCSP parses the values of the Content-Security-Policy header fields
// of one response. Each value may hold several policies separated by
// commas; all of them are enforced. It returns an error, the Observatory's
// "csp-header-invalid", for an empty or too short policy, a malformed or
// repeated directive name (report-uri and report-to may repeat), or a
// source with a control or non-ASCII character.
func ParseCSP(values ...string) ([]CSPPolicy, error) {
	var out []CSPPolicy
	for _, v := range values {
		for _, raw := range strings.Split(v, ",") {
			raw = strings.TrimSpace(strings.NewReplacer("\r", "", "\n", "").Replace(raw))
			if len(raw) < len("img-src") {
				return nil, fmt.Errorf("policy %q is empty or too short", hdrClip(raw, 40))
			}
			p := CSPPolicy{Directives: map[string][]string{}}
			for _, d := range strings.Split(raw, ";") {
				fields := strings.FieldsFunc(d, func(r rune) bool {
					return r == ' ' || r == '\t' || r == '\f' || r == '\v'
				})
				if len(fields) == 0 {
					continue
				}
				name := strings.ToLower(fields[0])
				if !cspName(name) {
					return nil, fmt.Errorf("malformed directive name %q", hdrClip(fields[0], 40))
				}
				srcs := make([]string, 0, len(fields)-1)
				for _, s := range fields[1:] {
					if !cspValue(s) {
						return nil, fmt.Errorf("directive %s has a malformed source %q", name, hdrClip(s, 40))
					}
					srcs = append(srcs, strings.ToLower(s))
				}
				if _, dup := p.Directives[name]; dup {
					if cspDuplicatesAllowed[name] {
						continue
					}
					return nil, fmt.Errorf("directive %s appears more than once", name)
				}
				if len(srcs) == 0 && strings.HasSuffix(name, "-src") {
					srcs = []string{"'none'"}
				}
				p.Directives[name] = srcs
				p.Order = append(p.Order, name)
			}
			if len(p.Order) == 0 {
				return nil, fmt.Errorf("policy %q has no directive", hdrClip(raw, 40))
			}
			out = append(out, p)
		}
	}
	return out, nil
}

func cspName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return s != ""
}

// cspValue reports whether s is a directive value token: visible ASCII
// other than ';' and ','.
func cspValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= 0x20 || c >= 0x7f || c == ';' || c == ',' {
			return false
		}
	}
	return true
}

// cspBroad are sources that allow nearly any host (Observatory
// DANGEROUSLY_BROAD).
var cspBroad = map[string]bool{
	"ftp:": true, "http:": true, "https:": true, "*": true,
	"http://*": true, "http://*.*": true, "https://*": true, "https://*.*": true,
}

func cspNonceOrHash(srcs []string) bool {
	for _, s := range srcs {
		for _, p := range []string{"'sha256-", "'sha384-", "'sha512-", "'nonce-"} {
			if strings.HasPrefix(s, p) {
				return true
			}
		}
	}
	return false
}

func cspHas(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// cspVerdict is what a set of enforced policies allows, judged as the
// Observatory does per policy; a property holds for the set only when
// every policy allows it, because a browser enforces all of them.
type cspVerdict struct {
	scriptInline    bool // 'unsafe-inline' or data: for scripts, or scripts unrestricted
	scriptBroad     bool // a scheme or * source for scripts
	objectBroad     bool // plugins unrestricted
	unsafeEval      bool
	insecureActive  bool // http: or ftp: sources for active content on an https page
	insecurePassive bool // http: sources for images or media on an https page
	styleInline     bool
	defaultNone     bool // default-src 'none' alone
	noDefaultSrc    bool
	frameAncestors  bool // frame-ancestors set and not broad (header policies only)
	strictDynamicNo bool // 'strict-dynamic' without a nonce or hash: invalid
}

func judgeCSP(policies []CSPPolicy, https bool) cspVerdict {
	v := cspVerdict{scriptInline: true, scriptBroad: true, objectBroad: true, unsafeEval: true,
		insecureActive: true, insecurePassive: true, styleInline: true, noDefaultSrc: true}
	for _, p := range policies {
		one := judgeOnePolicy(p, https)
		v.scriptInline = v.scriptInline && one.scriptInline
		v.scriptBroad = v.scriptBroad && one.scriptBroad
		v.objectBroad = v.objectBroad && one.objectBroad
		v.unsafeEval = v.unsafeEval && one.unsafeEval
		v.insecureActive = v.insecureActive && one.insecureActive
		v.insecurePassive = v.insecurePassive && one.insecurePassive
		v.styleInline = v.styleInline && one.styleInline
		v.noDefaultSrc = v.noDefaultSrc && one.noDefaultSrc
		v.defaultNone = v.defaultNone || one.defaultNone
		v.frameAncestors = v.frameAncestors || one.frameAncestors
		v.strictDynamicNo = v.strictDynamicNo || one.strictDynamicNo
	}
	return v
}

func judgeOnePolicy(p CSPPolicy, https bool) cspVerdict {
	var v cspVerdict
	script, scriptSet := p.effective("script-src")
	style, styleSet := p.effective("style-src")
	object, objectSet := p.effective("object-src")
	script = append([]string(nil), script...)
	if cspNonceOrHash(script) {
		script = cspWithout(script, func(s string) bool { return s == "'unsafe-inline'" })
		if cspHas(script, "'strict-dynamic'") {
			script = cspWithout(script, func(s string) bool {
				if s == "'self'" {
					return true
				}
				for b := range cspBroad {
					if strings.HasPrefix(s, b) {
						return true
					}
				}
				return false
			})
		}
	} else if cspHas(script, "'strict-dynamic'") {
		v.strictDynamicNo = true
	}
	if cspNonceOrHash(style) {
		style = cspWithout(style, func(s string) bool { return s == "'unsafe-inline'" })
	}
	v.scriptInline = !scriptSet || cspHas(script, "'unsafe-inline'") || cspHas(script, "data:")
	v.scriptBroad = !scriptSet || cspAnyIn(script, cspBroad)
	v.objectBroad = !objectSet || cspAnyIn(object, cspBroad)
	v.unsafeEval = cspHas(script, "'unsafe-eval'") || cspHas(style, "'unsafe-eval'")
	v.styleInline = !styleSet || cspHas(style, "'unsafe-inline'") || cspHas(style, "data:") || cspAnyIn(style, cspBroad)
	if https {
		insecure := func(s string) bool { return strings.HasPrefix(s, "http:") || strings.HasPrefix(s, "ftp:") }
		for d, srcs := range p.Directives {
			if d == "img-src" || d == "media-src" || d == "script-src" {
				continue
			}
			for _, s := range srcs {
				v.insecureActive = v.insecureActive || insecure(s)
			}
		}
		for _, s := range script {
			v.insecureActive = v.insecureActive || insecure(s)
		}
		for _, d := range []string{"img-src", "media-src"} {
			srcs, _ := p.effective(d)
			for _, s := range srcs {
				v.insecurePassive = v.insecurePassive || insecure(s)
			}
		}
	}
	def, ok := p.Directives["default-src"]
	v.noDefaultSrc = !ok
	v.defaultNone = ok && len(def) == 1 && def[0] == "'none'"
	fa, ok := p.Directives["frame-ancestors"]
	v.frameAncestors = ok && !cspAnyIn(fa, cspBroad)
	return v
}

func cspWithout(list []string, drop func(string) bool) []string {
	out := list[:0:0]
	for _, s := range list {
		if !drop(s) {
			out = append(out, s)
		}
	}
	return out
}

func cspAnyIn(list []string, set map[string]bool) bool {
	for _, s := range list {
		if set[s] {
			return true
		}
	}
	return false
}
