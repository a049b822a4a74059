package performance

import "strings"

// maxLinkLen bounds the Link header value parsed.
const maxLinkLen = 16 << 10

// linkHasRel reports whether a Link header value (RFC 8288 section 3)
// holds a link with relation type rel. Link values are separated by
// commas outside <...> and quoted strings; rel is a space-separated list
// compared ignoring case; a rel parameter after the first one is ignored
// (RFC 8288 3.3). It never panics on garbage.
func linkHasRel(header, rel string) bool {
	if len(header) > maxLinkLen {
		header = header[:maxLinkLen]
	}
	for _, link := range splitLinks(header) {
		for _, r := range linkRels(link) {
			if strings.EqualFold(r, rel) {
				return true
			}
		}
	}
	return false
}

// splitLinks splits a Link header value into link-values.
func splitLinks(s string) []string {
	var out []string
	inURI, inQuote, esc := false, false, false
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			esc = false
		case inQuote:
			switch c {
			case '\\':
				esc = true
			case '"':
				inQuote = false
			}
		case inURI:
			if c == '>' {
				inURI = false
			}
		case c == '<':
			inURI = true
		case c == '"':
			inQuote = true
		case c == ',':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// linkRels returns the relation types of one link-value: "<uri>; a=b;
// rel="next last"".
func linkRels(link string) []string {
	link = strings.TrimSpace(link)
	if !strings.HasPrefix(link, "<") {
		return nil
	}
	end := strings.IndexByte(link, '>')
	if end < 0 {
		return nil
	}
	params := link[end+1:]
	for params != "" {
		params = strings.TrimLeft(params, " \t")
		if !strings.HasPrefix(params, ";") {
			return nil
		}
		params = strings.TrimLeft(params[1:], " \t")
		i := strings.IndexAny(params, "=;")
		name := params
		if i >= 0 {
			name = params[:i]
		}
		name = strings.TrimSpace(name)
		var value string
		if i >= 0 && params[i] == '=' {
			value, params = paramValue(strings.TrimLeft(params[i+1:], " \t"))
		} else if i >= 0 {
			params = params[i:]
		} else {
			params = ""
		}
		if strings.EqualFold(name, "rel") {
			return strings.Fields(value)
		}
	}
	return nil
}

// paramValue reads a token or a quoted string and returns it and the
// rest.
func paramValue(s string) (value, rest string) {
	if strings.HasPrefix(s, `"`) {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch c := s[i]; c {
			case '\\':
				if i+1 < len(s) {
					i++
					b.WriteByte(s[i])
				}
			case '"':
				return b.String(), s[i+1:]
			default:
				b.WriteByte(c)
			}
		}
		return b.String(), ""
	}
	i := strings.IndexByte(s, ';')
	if i < 0 {
		return strings.TrimSpace(s), ""
	}
	return strings.TrimSpace(s[:i]), s[i:]
}
