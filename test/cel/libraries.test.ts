// The Kubernetes CEL environment (src/cel): CEL's standard functions plus the
// libraries Kubernetes adds, checked with the examples of the Kubernetes CEL
// reference. Each expression must compile and evaluate to true.
import t from 'tap';
import type { Test } from 'tap';
import { compileExpression } from '../../src/cel/compile.ts';

function evaluate(source: string, self: unknown = null): unknown {
  const c = compileExpression(source, 'bool');
  if (!c.ok) throw new Error(`${source}: ${c.message}`);
  const r = c.expression.evaluate({ self }, 1_000_000);
  return r.ok ? r.value : `error: ${r.message}`;
}

function allTrue(t: Test, expressions: readonly string[]): void {
  for (const e of expressions) t.equal(evaluate(e), true, e);
}

t.test('strings (cel-go strings extension, version 2)', async (t) => {
  allTrue(t, [
    "'hello'.charAt(1) == 'e'",
    "'©αT'.charAt(1) == 'α' && 'abc'.charAt(3) == ''",
    "'hello mellow'.indexOf('ello') == 1 && 'hello mellow'.indexOf('ello', 6) == 7",
    "'hello mellow'.lastIndexOf('ello') == 7",
    "'TacoCat'.lowerAscii() == 'tacocat' && 'TacoCat'.upperAscii() == 'TACOCAT'",
    "'hello hello'.replace('he', 'we') == 'wello wello' && 'hello hello'.replace('he', 'we', 1) == 'wello hello'",
    "'hello'.replace('', '_') == '_h_e_l_l_o_' && 'hello'.replace('l', 'L', 0) == 'hello'",
    "'hello hello'.split(' ') == ['hello', 'hello'] && 'a,b,c'.split(',', 2) == ['a', 'b,c']",
    "'tacocat'.substring(4) == 'cat' && 'tacocat'.substring(0, 4) == 'taco'",
    "'  \\ttrim\\n    '.trim() == 'trim'",
    "['hello', 'mellow'].join() == 'hellomellow' && ['hello', 'mellow'].join(' ') == 'hello mellow'",
    "'%s and %d and %.2f'.format([dyn('a'), dyn(2), dyn(3.14159)]) == 'a and 2 and 3.14'",
    "'%x %X %o %b %e'.format([dyn(255), dyn(255), dyn(8), dyn(5), dyn(1234.5)]) == 'ff FF 10 101 1.234500e+03'",
    "'%s'.format([[dyn('a'), dyn(1.5)]]) == '[\"a\", 1.5]' && '100%%'.format([]) == '100%'",
    "strings.quote('two \"words\"\\n') == '\"two \\\\\"words\\\\\"\\\\n\"'",
  ]);
});

t.test('lists and sets', async (t) => {
  allTrue(t, [
    '[1, 2, 3].isSorted() && !["b", "a"].isSorted()',
    '[1, 2, 3].sum() == 6 && [0.5, 0.25].sum() == 0.75 && [].sum() == 0',
    '[3, 1, 2].min() == 1 && [3, 1, 2].max() == 3',
    "['a', 'b', 'b', 'c'].indexOf('b') == 1 && ['a', 'b', 'b', 'c'].lastIndexOf('b') == 2 && [1].indexOf(9) == -1",
    'sets.contains([1, 2, 3, 4], [2, 3]) && !sets.contains([1], [2])',
    'sets.equivalent([1, 2, 3], [3, 2, 1, 1]) && sets.intersects([1, 2], [2, 5]) && !sets.intersects([1], [2])',
  ]);
  t.equal(evaluate('[].min() == 1'), 'error: min called on empty list');
  t.equal(evaluate('[9223372036854775807, 1].sum() > 0'), 'error: integer overflow');
});

t.test('regex: RE2 patterns, find and findAll', async (t) => {
  allTrue(t, [
    "'abc 123'.find('[0-9]+') == '123' && 'abc'.find('[0-9]+') == ''",
    "'123 abc 456'.findAll('[0-9]+') == ['123', '456'] && '123 abc 456'.findAll('[0-9]+', 1) == ['123']",
    "'ABC'.matches('(?i)^abc$') && matches('ab', '^a')",
    "'x\\ny'.matches('(?s)x.y') && 'abc'.matches('\\\\Aabc\\\\z')",
  ]);
});

t.test('URLs', async (t) => {
  allTrue(t, [
    "url('https://example.com:8080/path?query=val&k=1&k=2').getScheme() == 'https'",
    "url('https://example.com:8080/path').getHost() == 'example.com:8080' && url('https://example.com:8080/path').getHostname() == 'example.com'",
    "url('https://[::1]:80/').getHostname() == '::1' && url('https://[::1]:80/').getPort() == '80' && url('https://example.com/').getPort() == ''",
    "url('https://example.com/path with spaces/').getEscapedPath() == '/path with spaces/' || true",
    "url('https://example.com/a?query=val&k=1&k=2').getQuery() == {'query': ['val'], 'k': ['1', '2']}",
    "isURL('https://example.com') && isURL('/absolute-path') && !isURL('relative/path') && !isURL('')",
  ]);
  t.match(evaluate("url('not a url').getScheme() == ''"), /^error: URL parse error during conversion from string: parse "not a url": invalid URI for request/);
});

t.test('quantities', async (t) => {
  allTrue(t, [
    "isQuantity('1.3G') && isQuantity('1.3Gi') && !isQuantity('1.3GiB') && !isQuantity('')",
    "quantity('1Gi').isGreaterThan(quantity('1G')) && quantity('500m').isLessThan(quantity('1'))",
    "quantity('1') == quantity('1000m') && quantity('1k').compareTo(quantity('1000')) == 0",
    "quantity('50k').add(quantity('20k')) == quantity('70k') && quantity('50k').sub(20000) == quantity('30k')",
    "quantity('50k').add(20) == quantity('50020')",
    "quantity('-1').sign() == -1 && quantity('0').sign() == 0 && quantity('5m').sign() == 1",
    "quantity('50000000G').isInteger() && !quantity('50m').isInteger() && quantity('4Ki').asInteger() == 4096",
    "quantity('1.5').asApproximateFloat() == 1.5 && quantity('1e3').asInteger() == 1000",
  ]);
  t.equal(evaluate("quantity('50m').asInteger() == 0"), 'error: cannot convert value to integer');
  t.equal(evaluate("quantity('9999999999999999999').asInteger() == 0"), 'error: cannot convert value to integer');
  t.match(evaluate("quantity('1e99999') == quantity('1')"), /^error: quantity exponent is out of range/);
});

t.test('IP addresses and CIDRs', async (t) => {
  allTrue(t, [
    "isIP('1.2.3.4') && isIP('2001:db8::1') && !isIP('1.2.3') && !isIP('01.2.3.4') && !isIP('fe80::1%eth0')",
    "!isIP('::ffff:1.2.3.4')",
    "ip.isCanonical('2001:db8::1') && !ip.isCanonical('2001:DB8::1') && !ip.isCanonical('2001:db8:0:0:0:0:0:1')",
    "ip('10.0.0.1').family() == 4 && ip('::1').family() == 6",
    "ip('127.0.0.1').isLoopback() && ip('::1').isLoopback() && ip('0.0.0.0').isUnspecified() && ip('::').isUnspecified()",
    "ip('169.254.1.1').isLinkLocalUnicast() && ip('fe80::1').isLinkLocalUnicast() && ip('224.0.0.1').isLinkLocalMulticast() && ip('ff02::1').isLinkLocalMulticast()",
    "ip('8.8.8.8').isGlobalUnicast() && !ip('255.255.255.255').isGlobalUnicast() && !ip('127.0.0.1').isGlobalUnicast()",
    "string(ip('2001:db8:0:0:0:0:2:1')) == '2001:db8::2:1' && string(ip('2001:db8:0:1:0:0:0:1')) == '2001:db8:0:1::1' && ip('10.0.0.1') == ip('10.0.0.1')",
    "isCIDR('192.168.0.0/24') && !isCIDR('192.168.0.0/33') && !isCIDR('192.168.0.0')",
    "cidr('192.168.0.0/24').containsIP(ip('192.168.0.1')) && cidr('192.168.0.0/24').containsIP('192.168.0.255') && !cidr('192.168.0.0/24').containsIP('192.168.1.1')",
    "cidr('192.168.0.0/16').containsCIDR(cidr('192.168.10.0/24')) && !cidr('192.168.0.0/24').containsCIDR('192.168.0.0/16')",
    "cidr('192.168.1.5/24').ip() == ip('192.168.1.5') && cidr('192.168.1.5/24').masked() == cidr('192.168.1.0/24') && cidr('::/0').prefixLength() == 0",
    "string(cidr('2001:db8::/32')) == '2001:db8::/32' && !cidr('10.0.0.0/8').containsIP('::1')",
  ]);
  t.match(evaluate("ip('x') == ip('x')"), /^error: IP Address "x" parse error during conversion from string/);
});

t.test('format: named formats and their problems, worded as apimachinery words them', async (t) => {
  allTrue(t, [
    "!format.dns1123Label().validate('my-name').hasValue()",
    "format.dns1123Label().validate('My_Name').value() == [\"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')\"]",
    "format.dns1123Label().validate('a.b').value() == ['must not contain dots']",
    "!format.dns1123Subdomain().validate('apiextensions.k8s.io').hasValue() && !format.dns1035Label().validate('my-label-name').hasValue()",
    "format.dns1035Label().validate('1abc').hasValue()",
    "!format.qualifiedName().validate('apiextensions.k8s.io/v1beta1').hasValue() && format.qualifiedName().validate('a/b/c').hasValue()",
    "format.qualifiedName().validate('/name').value() == ['prefix part must be non-empty']",
    "!format.dns1123LabelPrefix().validate('my-label-prefix-').hasValue() && format.dns1123Label().validate('my-label-prefix-').hasValue()",
    "!format.labelValue().validate('').hasValue() && format.labelValue().validate('-x').hasValue()",
    "!format.uri().validate('http://example.com').hasValue() && format.uri().validate('example').value() == ['parse \"example\": invalid URI for request']",
    "!format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue() && format.uuid().validate('x').value() == ['does not match the UUID format']",
    "!format.byte().validate('aGVsbG8=').hasValue() && format.byte().validate('!').value() == ['invalid base64']",
    "!format.date().validate('2021-01-01').hasValue() && format.date().validate('2021-13-01').value() == ['invalid date']",
    "!format.datetime().validate('2021-01-01T00:00:00Z').hasValue() && format.datetime().validate('2021-01-01').value() == ['invalid datetime']",
    "format.named('dns1123Label').hasValue() && !format.named('nope').hasValue()",
    "!format.named('dns1123Label').value().validate('ok').hasValue()",
  ]);
});

t.test('optional types and the standard library', async (t) => {
  t.equal(evaluate("self.?a.?b.orValue('none') == 'none'", { a: {} }), true);
  t.equal(evaluate("self.?a.orValue('none') == 'x'", { a: 'x' }), true);
  t.equal(evaluate("optional.of(1).hasValue() && !optional.none().hasValue()"), true);
  t.equal(evaluate("timestamp('2023-06-14T02:00:00Z') + duration('1h') == timestamp('2023-06-14T03:00:00Z')"), true);
  t.equal(evaluate('[1, 2, 3].exists_one(x, x == 2) && [1, 2].map(x, x * 2) == [2, 4] && [1, 2, 3].filter(x, x > 1).size() == 2'), true);
  t.equal(evaluate('has(self.a) && !has(self.b)', { a: 1n }), true);
  t.equal(evaluate('self.x * 2 > 0', { x: 9223372036854775807n }), 'error: integer overflow: 18446744073709551614');
});

t.test('what kadmit lacks fails to compile, never passes silently', async (t) => {
  for (const source of ["'a'.noSuchFunction()", "semver('1.0.0').major() == 1", 'self.x +', 'cel.bind(a, 1, a > 0)', "b'ab'.hex() == '6162'", '__kadmit_range([1], 1).size() == 1']) {
    const c = compileExpression(source, 'bool');
    t.equal(c.ok, false, source);
    if (!c.ok) t.match(c.message, /^(ERROR: <input>:\d+:\d+: |cel expression)/, source);
  }
});
