//! Patterns and subjects for the glibc differential tests.

#[rustfmt::skip]
pub const SUBJECTS: &[&str] = &[
    "", "a", "A", "b", "ab", "AB", "aB", "aa", "aaa", "aaaa", "abab", "ba", "x", "_", "-", "0",
    "1", "9", "*", "+", "?", "|", "(", ")", "{", "}", "[", "]", "^", "$", "\\", ".", ",", "#",
    "!", ":", "=", "a+", "a*", "a?", "a|b", "(a)", "a{2}", "{2}", "a{", "[a]", "^a", "a$", "$a",
    "a^", "\\a", "a b", "a\nb", "\n", "ab\n", "\t", "z", "Z", "é", "www.example.com",
    "EXAMPLE.COM", "http://ads.example.com/x", "a-b", "a_b", "a.b", "-a", "[]", "]a", "a]", "a-",
    "*a", "+a",
];

#[rustfmt::skip]
pub const REGEX_TABLE: &[&[u8]] = &[
    b"a", b"A", b"ab", b"^a", b"a$", b"^a$", b"^$", b"^", b"$", b".", b"a.b", b"a*", b"*a", b"**",
    b"^*", b"a**", b"a+", b"a?", b"a\\+", b"a\\?", b"\\+a", b"a|b", b"a\\|b", b"a\\|", b"\\|a",
    b"|", b"a|", b"(a)", b"\\(a\\)", b"()", b"\\(\\)", b"(", b")", b"a)", b"\\(", b"\\)", b"a\\)",
    b"(a", b"\\(a", b"a{2}", b"a\\{2\\}", b"a{,2}", b"a\\{,2\\}", b"a{2,}", b"a{1,2}", b"a{}",
    b"a{2,1}", b"a{x}", b"a{1", b"{2}", b"\\{2\\}", b"a{1}{2}", b"a\\{2\\}\\{3\\}", b"a*\\{2\\}",
    b"a*\\+", b"a\\+*", b"a{32767}", b"a{32768}", b"a\\{0\\}", b"(ab){2}", b"\\(ab\\)\\{2\\}",
    b"\\(a\\)\\1", b"(a)\\1", b"\\(a\\)\\2", b"\\1", b"\\(*a\\)", b"\\(^a\\)", b"a\\(^b\\)",
    b"b^a", b"a^b", b"a$b", b"a$\\|b", b"\\(a$\\)", b"x$$", b"^^a", b"a$$", b"$a", b"$*a",
    b"a|*b", b"a\\|*b", b"(*a)", b"(|a)", b"a||b", b"[a]", b"[^a]", b"[]a]", b"[^]a]", b"[]",
    b"[^]", b"[a-z]", b"[A-Z]", b"[A-z]", b"[Z-a]", b"[z-a]", b"[a-]", b"[-a]", b"[a-z-0]",
    b"[--z]", b"[a\\]]", b"[\\]", b"[[:alpha:]]", b"[[:upper:]]", b"[[:lower:]]", b"[^[:lower:]]",
    b"[[:ALPHA:]]", b"[[:foo:]]", b"[[:alpha:]", b"[[:alpha]]", b"[[:alpha:]-z]",
    b"[a-[:alpha:]]", b"[[.a.]]", b"[[.-.]]", b"[[.ab.]]", b"[[=a=]]", b"[[=ab=]]", b"[[.a.]-z]",
    b"[a-[.z.]]", b"[[]", b"[[a]", b"[a", b"[a-z", b"[[:digit:][:punct:]]", b"[[:space:]]",
    b"[[:xdigit:]]", b"[[:cntrl:]]", b"[[:print:]]", b"[[:graph:]]", b"[[:blank:]]",
    b"[[:alnum:]_]", b"\\w", b"\\W", b"\\s", b"\\S", b"\\b", b"\\B", b"\\<a", b"a\\>", b"\\`a",
    b"a\\'", b"\\<*", b"\\a", b"\\A", b"\\.", b"\\#", b"\\n", b"\\", b"a\\", b"\\{", b"\\}",
    b"a\\{", b"{", b"}", b"a}", b"\\,", b"ads\\.", b"^www\\.", b"\\.com$", b"(www|ads)\\.example",
    b"example\\.(com|org)$", b"^[a-z]+\\.example\\.com$", b"a\\?b", b"colou\\?r", b"a.*b", b".*",
    b"a\\{1,2\\}\\?", b"x*\\?", b"\\(a\\|b\\)*c", b"\xC3\xA9", b"\xC3", b"[\xC3\xA9]",
];

#[rustfmt::skip]
pub const FNMATCH_TABLE: &[&[u8]] = &[
    b"*", b"?", b"a", b"*a", b"a*", b"*.example.com", b"www.*", b"?x", b"[a-z]", b"[!a]", b"[^a]",
    b"[]]", b"[!]]", b"[]a]", b"[a", b"[", b"[[", b"[!", b"[!]", b"[^]", b"a\\", b"\\a", b"\\*",
    b"\\[", b"[[:alpha:]]", b"[[:ALPHA:]]", b"[[:foo:]]", b"[z-a]", b"[a-]", b"[\\]]", b"[a\\-z]",
    b"[[.a.]]", b"[[=a=]]", b"[[.-.]]", b"[[.ab.]]", b"*[", b"ab***", b"[a-z-0]", b"[--z]",
    b"[[:alpha:]-z]", b"[a-[:alpha:]]", b"[a[:x]", b"[a[:alpha:]\\]]", b"[[:alpha:][:digit:]]",
    b"[a-\\z]", b"[\\a-z]", b"[a-", b"[a-]]", b"[[.a.]-z]", b"[a-[.z.]]", b"[[.a.]-]", b"[[=a]",
    b"[[=", b"[[:", b"[[.a", b"**a**", b"*\\", b"a*b*c", b"[*]", b"[?]", b"\\?", b"\\\\",
];

#[rustfmt::skip]
pub const REGEX_PIECES: &[&str] = &[
    "a", "b", "A", ".", "*", "+", "?", "|", "(", ")", "{", "}", ",", "1", "2", "^", "$", "[", "]",
    "-", "\\", "!", ":", "_", "[:alpha:]", "[:upper:]", "\\(", "\\)", "\\{", "\\}", "\\|", "\\+",
    "\\?", "\\w", "\\b", "\\<", "\\.", "z", "[=a=]", "[.-.]",
];

#[rustfmt::skip]
pub const FNMATCH_PIECES: &[&str] = &[
    "a", "b", "z", "A", "*", "?", "[", "]", "!", "^", "-", "\\", ":", "=", ".", "[:alpha:]",
    "[:foo:]", "[=a=]", "[.a.]", "[.-.]", "[:", ":]",
];
