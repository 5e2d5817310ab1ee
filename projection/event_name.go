package projection

import (
	"strings"
	"unicode"
)

// NormalizeEventName returns the form in which projectors compare event
// names: lower case, with every character that is not a letter or a digit
// (hyphens, underscores, dots, spaces, ...) removed. "profile-created",
// "ProfileCreated", "profile_created" and "Profile.Created" all normalise to
// "profilecreated".
func NormalizeEventName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// kebabCase turns a Go type name into a projection name:
// "UserProfile" -> "user-profile", "HTTPServer" -> "http-server".
func kebabCase(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
			continue
		}
		if unicode.IsUpper(r) && i > 0 && b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('-')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.TrimSuffix(b.String(), "-")
}
