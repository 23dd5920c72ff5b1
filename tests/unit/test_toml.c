/* Unit tests for lib/plan/toml.c: the examples of the TOML 1.0.0 text, valid
 * ones against the JSON they stand for, invalid ones against the message
 * and the line:column it names. */
#include <math.h>

#include "unit.h"

#include "plan/toml.h"

static json_object *
toml(const char *s, char *err)
{
	return toml_parse(s, strlen(s), "t.toml", NULL, err, ERRLEN);
}

/* ---- valid documents and the JSON they are ---- */

static const struct {
	const char *toml, *json;
} valid[] = {
	/* comments */
	{"# This is a full-line comment\nkey = \"value\"  # This is a comment at the end of a line\n"
	 "another = \"# This is not a comment\"\n",
	 "{\"key\":\"value\",\"another\":\"# This is not a comment\"}"},
	{"", "{}"},
	{"\n\n  \t\n# only a comment", "{}"},
	{"\xef\xbb\xbfk = 1", "{\"k\":1}"},
	{"k = 1\r\nj = 2\r\n", "{\"k\":1,\"j\":2}"},
	/* keys */
	{"key = \"value\"\nbare_key = \"value\"\nbare-key = \"value\"\n1234 = \"value\"",
	 "{\"key\":\"value\",\"bare_key\":\"value\",\"bare-key\":\"value\",\"1234\":\"value\"}"},
	{"\"127.0.0.1\" = \"value\"\n\"character encoding\" = \"value\"\n\"\xca\x8e\xc7\x9d\xca\x9e\" = \"value\"\n"
	 "'key2' = \"value\"\n'quoted \"value\"' = \"value\"",
	 "{\"127.0.0.1\":\"value\",\"character encoding\":\"value\",\"\xca\x8e\xc7\x9d\xca\x9e\":\"value\","
	 "\"key2\":\"value\",\"quoted \\\"value\\\"\":\"value\"}"},
	{"\"\" = \"blank\"", "{\"\":\"blank\"}"},
	{"'' = 'blank'", "{\"\":\"blank\"}"},
	{"name = \"Orange\"\nphysical.color = \"orange\"\nphysical.shape = \"round\"\nsite.\"google.com\" = true",
	 "{\"name\":\"Orange\",\"physical\":{\"color\":\"orange\",\"shape\":\"round\"},\"site\":{\"google.com\":true}}"},
	{"fruit.name = \"banana\"\nfruit. color = \"yellow\"\nfruit . flavor = \"banana\"",
	 "{\"fruit\":{\"name\":\"banana\",\"color\":\"yellow\",\"flavor\":\"banana\"}}"},
	{"fruit.apple.smooth = true\nfruit.orange = 2",
	 "{\"fruit\":{\"apple\":{\"smooth\":true},\"orange\":2}}"},
	{"apple.type = \"fruit\"\norange.type = \"fruit\"\napple.skin = \"thin\"\norange.skin = \"thick\"",
	 "{\"apple\":{\"type\":\"fruit\",\"skin\":\"thin\"},\"orange\":{\"type\":\"fruit\",\"skin\":\"thick\"}}"},
	{"3.14159 = \"pi\"", "{\"3\":{\"14159\":\"pi\"}}"},
	/* strings */
	{"str = \"I'm a string. \\\"You can quote me\\\". Name\\tJos\\u00E9\\nLocation\\tSF.\"",
	 "{\"str\":\"I'm a string. \\\"You can quote me\\\". Name\\tJos\\u00e9\\nLocation\\tSF.\"}"},
	{"s = \"\\b\\t\\n\\f\\r\\\"\\\\\\u0041\\U0001F600\"",
	 "{\"s\":\"\\b\\t\\n\\f\\r\\\"\\\\A\xf0\x9f\x98\x80\"}"},
	{"str1 = \"\"\"\nRoses are red\nViolets are blue\"\"\"",
	 "{\"str1\":\"Roses are red\\nViolets are blue\"}"},
	{"str1 = \"\"\"\r\nRoses are red\r\nViolets are blue\"\"\"",
	 "{\"str1\":\"Roses are red\\nViolets are blue\"}"},
	{"str1 = \"The quick brown fox jumps over the lazy dog.\"\n"
	 "str2 = \"\"\"\nThe quick brown \\\n\n\n  fox jumps over \\\n    the lazy dog.\"\"\"\n"
	 "str3 = \"\"\"\\\n       The quick brown \\\n       fox jumps over \\\n       the lazy dog.\\\n       \"\"\"",
	 "{\"str1\":\"The quick brown fox jumps over the lazy dog.\","
	 "\"str2\":\"The quick brown fox jumps over the lazy dog.\","
	 "\"str3\":\"The quick brown fox jumps over the lazy dog.\"}"},
	{"s = \"\"\"a \\  \t\n  b\"\"\"", "{\"s\":\"a b\"}"},
	{"str4 = \"\"\"Here are two quotation marks: \"\". Simple enough.\"\"\"\n"
	 "str5 = \"\"\"Here are three quotation marks: \"\"\\\".\"\"\"\n"
	 "str7 = \"\"\"\"This,\" she said, \"is just a pointless statement.\"\"\"\"",
	 "{\"str4\":\"Here are two quotation marks: \\\"\\\". Simple enough.\","
	 "\"str5\":\"Here are three quotation marks: \\\"\\\"\\\".\","
	 "\"str7\":\"\\\"This,\\\" she said, \\\"is just a pointless statement.\\\"\"}"},
	{"winpath  = 'C:\\Users\\nodejs\\templates'\nwinpath2 = '\\\\ServerX\\admin$\\system32\\'\n"
	 "quoted   = 'Tom \"Dubs\" Preston-Werner'\nregex    = '<\\i\\c*\\s*>'",
	 "{\"winpath\":\"C:\\\\Users\\\\nodejs\\\\templates\",\"winpath2\":\"\\\\\\\\ServerX\\\\admin$\\\\system32\\\\\","
	 "\"quoted\":\"Tom \\\"Dubs\\\" Preston-Werner\",\"regex\":\"<\\\\i\\\\c*\\\\s*>\"}"},
	{"regex2 = '''I [dw]on't need \\d{2} apples'''\nlines  = '''\nThe first newline is\ntrimmed in raw strings.\n'''",
	 "{\"regex2\":\"I [dw]on't need \\\\d{2} apples\",\"lines\":\"The first newline is\\ntrimmed in raw strings.\\n\"}"},
	{"quot15 = '''Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"'''\n"
	 "apos15 = \"Here are fifteen apostrophes: '''''''''''''''\"\n"
	 "str = ''''That,' she said, 'is still pointless.''''",
	 "{\"quot15\":\"Here are fifteen quotation marks: \\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\","
	 "\"apos15\":\"Here are fifteen apostrophes: '''''''''''''''\","
	 "\"str\":\"'That,' she said, 'is still pointless.'\"}"},
	{"tab = \"a\tb\"", "{\"tab\":\"a\\tb\"}"},
	/* integers */
	{"int1 = +99\nint2 = 42\nint3 = 0\nint4 = -17",
	 "{\"int1\":99,\"int2\":42,\"int3\":0,\"int4\":-17}"},
	{"int5 = 1_000\nint6 = 5_349_221\nint7 = 53_49_221\nint8 = 1_2_3_4_5",
	 "{\"int5\":1000,\"int6\":5349221,\"int7\":5349221,\"int8\":12345}"},
	{"a = -0\nb = +0", "{\"a\":0,\"b\":0}"},
	{"hex1 = 0xDEADBEEF\nhex2 = 0xdeadbeef\nhex3 = 0xdead_beef\noct1 = 0o01234567\noct2 = 0o755\nbin1 = 0b11010110",
	 "{\"hex1\":3735928559,\"hex2\":3735928559,\"hex3\":3735928559,\"oct1\":342391,\"oct2\":493,\"bin1\":214}"},
	{"max = 9223372036854775807\nmin = -9223372036854775808\nhex = 0x7fffffffffffffff",
	 "{\"max\":9223372036854775807,\"min\":-9223372036854775808,\"hex\":9223372036854775807}"},
	/* floats */
	{"flt1 = +1.0\nflt2 = 3.1415\nflt3 = -0.01\nflt4 = 5e+22\nflt5 = 1e06\nflt6 = -2E-2\nflt7 = 6.626e-34",
	 "{\"flt1\":1.0,\"flt2\":3.1415,\"flt3\":-0.01,\"flt4\":5e+22,\"flt5\":1000000.0,\"flt6\":-0.02,\"flt7\":6.626e-34}"},
	{"flt8 = 224_617.445_991_228", "{\"flt8\":224617.445991228}"},
	{"z = -0.0\ny = +0.0\nx = 0e0", "{\"z\":-0.0,\"y\":0.0,\"x\":0.0}"},
	/* booleans, dates and times */
	{"bool1 = true\nbool2 = false", "{\"bool1\":true,\"bool2\":false}"},
	{"odt1 = 1979-05-27T07:32:00Z\nodt2 = 1979-05-27T00:32:00-07:00\nodt3 = 1979-05-27T00:32:00.999999-07:00\n"
	 "odt4 = 1979-05-27 07:32:00Z",
	 "{\"odt1\":\"1979-05-27T07:32:00Z\",\"odt2\":\"1979-05-27T00:32:00-07:00\","
	 "\"odt3\":\"1979-05-27T00:32:00.999999-07:00\",\"odt4\":\"1979-05-27 07:32:00Z\"}"},
	{"ldt1 = 1979-05-27T07:32:00\nldt2 = 1979-05-27T00:32:00.999999\nld1 = 1979-05-27\nlt1 = 07:32:00\nlt2 = 00:32:00.999999",
	 "{\"ldt1\":\"1979-05-27T07:32:00\",\"ldt2\":\"1979-05-27T00:32:00.999999\",\"ld1\":\"1979-05-27\","
	 "\"lt1\":\"07:32:00\",\"lt2\":\"00:32:00.999999\"}"},
	{"leap = 2000-02-29\nsec60 = 23:59:60\nlower = 1979-05-27t07:32:00z\nd = 1979-05-27 # a date, then a comment",
	 "{\"leap\":\"2000-02-29\",\"sec60\":\"23:59:60\",\"lower\":\"1979-05-27t07:32:00z\",\"d\":\"1979-05-27\"}"},
	/* arrays */
	{"integers = [ 1, 2, 3 ]\ncolors = [ \"red\", \"yellow\", \"green\" ]\n"
	 "nested_array_of_ints = [ [ 1, 2 ], [3, 4, 5] ]\nnested_mixed_array = [ [ 1, 2 ], [\"a\", \"b\", \"c\"] ]\n"
	 "string_array = [ \"all\", 'strings', \"\"\"are the same\"\"\", '''type''' ]",
	 "{\"integers\":[1,2,3],\"colors\":[\"red\",\"yellow\",\"green\"],\"nested_array_of_ints\":[[1,2],[3,4,5]],"
	 "\"nested_mixed_array\":[[1,2],[\"a\",\"b\",\"c\"]],\"string_array\":[\"all\",\"strings\",\"are the same\",\"type\"]}"},
	{"numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]\ncontributors = [\n  \"Foo Bar <foo@example.com>\",\n"
	 "  { name = \"Baz Qux\", email = \"bazqux@example.com\", url = \"https://example.com/bazqux\" }\n]",
	 "{\"numbers\":[0.1,0.2,0.5,1,2,5],\"contributors\":[\"Foo Bar <foo@example.com>\","
	 "{\"name\":\"Baz Qux\",\"email\":\"bazqux@example.com\",\"url\":\"https://example.com/bazqux\"}]}"},
	{"integers2 = [\n  1, 2, 3\n]\n\nintegers3 = [\n  1,\n  2, # this is ok\n]\nempty = [ ]\nc = [ # c\n # d\n ]",
	 "{\"integers2\":[1,2,3],\"integers3\":[1,2],\"empty\":[],\"c\":[]}"},
	/* tables */
	{"[table]", "{\"table\":{}}"},
	{"[table-1]\nkey1 = \"some string\"\nkey2 = 123\n\n[table-2]\nkey1 = \"another string\"\nkey2 = 456",
	 "{\"table-1\":{\"key1\":\"some string\",\"key2\":123},\"table-2\":{\"key1\":\"another string\",\"key2\":456}}"},
	{"[dog.\"tater.man\"]\ntype.name = \"pug\"", "{\"dog\":{\"tater.man\":{\"type\":{\"name\":\"pug\"}}}}"},
	{"[a.b.c]\n[ d.e.f ]\n[ g .  h  . i ]\n[ j . \"\xca\x9e\" . 'l' ]",
	 "{\"a\":{\"b\":{\"c\":{}}},\"d\":{\"e\":{\"f\":{}}},\"g\":{\"h\":{\"i\":{}}},\"j\":{\"\xca\x9e\":{\"l\":{}}}}"},
	{"[x.y.z.w]\n[x]", "{\"x\":{\"y\":{\"z\":{\"w\":{}}}}}"},
	{"[fruit.apple]\n[animal]\n[fruit.orange]", "{\"fruit\":{\"apple\":{},\"orange\":{}},\"animal\":{}}"},
	{"name = \"Fido\"\nbreed = \"pug\"\n\n[owner]\nname = \"Regina Dogman\"\nmember_since = 1999-08-04",
	 "{\"name\":\"Fido\",\"breed\":\"pug\",\"owner\":{\"name\":\"Regina Dogman\",\"member_since\":\"1999-08-04\"}}"},
	{"fruit.apple.color = \"red\"\nfruit.apple.taste.sweet = true",
	 "{\"fruit\":{\"apple\":{\"color\":\"red\",\"taste\":{\"sweet\":true}}}}"},
	{"[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n\n[fruit.apple.texture]\nsmooth = true",
	 "{\"fruit\":{\"apple\":{\"color\":\"red\",\"taste\":{\"sweet\":true},\"texture\":{\"smooth\":true}}}}"},
	{"[a.b.c]\nz = 1\n[a]\nb.d = 2", "{\"a\":{\"b\":{\"c\":{\"z\":1},\"d\":2}}}"},
	/* inline tables */
	{"name = { first = \"Tom\", last = \"Preston-Werner\" }\npoint = { x = 1, y = 2 }\nanimal = { type.name = \"pug\" }",
	 "{\"name\":{\"first\":\"Tom\",\"last\":\"Preston-Werner\"},\"point\":{\"x\":1,\"y\":2},\"animal\":{\"type\":{\"name\":\"pug\"}}}"},
	{"e = {}\nn = { a = { b = [ 1,\n 2 ] } }", "{\"e\":{},\"n\":{\"a\":{\"b\":[1,2]}}}"},
	/* arrays of tables */
	{"[[products]]\nname = \"Hammer\"\nsku = 738594937\n\n[[products]]  # empty table within the array\n\n"
	 "[[products]]\nname = \"Nail\"\nsku = 284758393\n\ncolor = \"gray\"",
	 "{\"products\":[{\"name\":\"Hammer\",\"sku\":738594937},{},{\"name\":\"Nail\",\"sku\":284758393,\"color\":\"gray\"}]}"},
	{"[[fruits]]\nname = \"apple\"\n\n[fruits.physical]\ncolor = \"red\"\nshape = \"round\"\n\n"
	 "[[fruits.varieties]]\nname = \"red delicious\"\n\n[[fruits.varieties]]\nname = \"granny smith\"\n\n\n"
	 "[[fruits]]\nname = \"banana\"\n\n[[fruits.varieties]]\nname = \"plantain\"",
	 "{\"fruits\":[{\"name\":\"apple\",\"physical\":{\"color\":\"red\",\"shape\":\"round\"},"
	 "\"varieties\":[{\"name\":\"red delicious\"},{\"name\":\"granny smith\"}]},"
	 "{\"name\":\"banana\",\"varieties\":[{\"name\":\"plantain\"}]}]}"},
	{"points = [ { x = 1, y = 2, z = 3 },\n           { x = 7, y = 8, z = 9 },\n           { x = 2, y = 4, z = 8 } ]",
	 "{\"points\":[{\"x\":1,\"y\":2,\"z\":3},{\"x\":7,\"y\":8,\"z\":9},{\"x\":2,\"y\":4,\"z\":8}]}"},
	/* a plan as tuna writes it */
	{"plan_id = \"p1\"\nassistant_id = \"a\"\n\n[assistant]\nsystem_prompt = \"Be brief.\"\n\n"
	 "[assistant.llm]\nmodels = [\"gpt-4\", \"claude-3\"]\nmax_tokens = 4096\ntemperature = 0.7\n\n"
	 "[[query]]\nid = \"q1.md\"\n\n[[query]]\nid = \"q2.md\"\n",
	 "{\"plan_id\":\"p1\",\"assistant_id\":\"a\",\"assistant\":{\"system_prompt\":\"Be brief.\","
	 "\"llm\":{\"models\":[\"gpt-4\",\"claude-3\"],\"max_tokens\":4096,\"temperature\":0.7}},"
	 "\"query\":[{\"id\":\"q1.md\"},{\"id\":\"q2.md\"}]}"},
};

static void
test_valid(void **state)
{
	char err[ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < N(valid); i++) {
		json_object *got = toml(valid[i].toml, err), *want = parse(valid[i].json);

		if (!got)
			fail_msg("case %zu: %s\n%s", i, err, valid[i].toml);
		if (!json_object_equal(got, want))
			fail_msg("case %zu:\n%s\ngot  %s\nwant %s", i, valid[i].toml,
			         json_object_to_json_string(got), valid[i].json);
		json_object_put(got);
		json_object_put(want);
	}
}

/* ---- invalid documents: the message, with its line and column ---- */

static const struct {
	const char *toml, *err;
} invalid[] = {
	{"key = # INVALID", "t.toml:1:7: expected a value, found a comment"},
	{"key =", "t.toml:1:6: expected a value, found the end of the file"},
	{"first = \"Tom\" last = \"Preston-Werner\" # INVALID", "t.toml:1:15: expected the end of the line, found 'l'"},
	{"= \"no key name\"  # INVALID", "t.toml:1:1: expected a key, found '='"},
	{"a = 1\nkey value", "t.toml:2:5: expected '=' after a key, found 'v'"},
	{"name = \"Tom\"\nname = \"Pradyun\"", "t.toml:2:1: duplicate key 'name'"},
	{"spelling = \"favorite\"\n\"spelling\" = \"favourite\"", "t.toml:2:1: duplicate key 'spelling'"},
	{"fruit.apple = 1\nfruit.apple.smooth = true", "t.toml:2:1: key 'fruit.apple' is an integer already, not a table"},
	{"k = \"\"\"\"\"\"\"\"\"", "t.toml:1:13: too many quotes at the end of a multi-line string"},
	{"str5 = \"\"\"Here are three quotation marks: \"\"\".\"\"\"", "t.toml:1:46: expected the end of the line, found '.'"},
	{"apos15 = '''Here are fifteen apostrophes: ''''''''''''''''''", "t.toml:1:48: too many quotes"},
	{"s = \"\\x41\"", "t.toml:1:6: invalid escape '\\' followed by 'x'"},
	{"s = \"\\uD800\"", "t.toml:1:6: \\uD800 is not a Unicode scalar value"},
	{"s = \"\\U00110000\"", "is not a Unicode scalar value"},
	{"s = \"\\u12\"", "\\u needs 4 hexadecimal digits"},
	{"s = \"abc", "t.toml:1:5: unterminated string"},
	{"s = \"abc\ndef\"", "t.toml:1:5: unterminated string"},
	{"s = '''abc", "t.toml:1:5: unterminated multi-line string"},
	{"s = \"a\x01" "b\"", "t.toml:1:7: control character 0x01 not allowed in a string"},
	{"s = 'a\x7f'", "control character 0x7f not allowed in a literal string"},
	{"s = \"\"\"a\rb\"\"\"", "carriage return without a line feed in a multi-line string"},
	{"s = \"\xc3\x28\"", "t.toml:1:6: invalid UTF-8 in a string"},
	{"s = \"\xed\xa0\x80\"", "invalid UTF-8 in a string"},
	{"s = \"\xc0\xaf\"", "invalid UTF-8 in a string"},
	{"# \xff\n", "t.toml:1:3: invalid UTF-8 in a comment"},
	{"# a\x01\n", "control character 0x01 not allowed in a comment"},
	{"a = 1\r", "carriage return"},
	{"s = \"\"\"a \\ b\"\"\"", "invalid escape"},
	{"int = 0123", "t.toml:1:7: leading zeros are not allowed: '0123'"},
	{"int = 1__000", "invalid number '1__000'"},
	{"int = _1", "expected a value, found '_1'"},
	{"int = 1_", "invalid number '1_'"},
	{"int = +0x1F", "a hexadecimal integer cannot have a sign"},
	{"int = 0x_1F", "invalid number '0x_1F'"},
	{"int = 0o8", "invalid number '0o8'"},
	{"int = 0b2", "invalid number '0b2'"},
	{"int = 9223372036854775808", "integer out of the 64-bit range"},
	{"int = -9223372036854775809", "integer out of the 64-bit range"},
	{"int = 0x1_0000_0000_0000_0000", "integer out of the 64-bit range"},
	{"invalid_float_1 = .7", "t.toml:1:19: expected a value, found '.7'"},
	{"invalid_float_2 = 7.", "invalid number '7.'"},
	{"invalid_float_3 = 3.e+20", "invalid number '3.e+20'"},
	{"f = 1e", "invalid number '1e'"},
	{"f = 01.5", "invalid number '01.5'"},
	{"f = 1.5_", "invalid number '1.5_'"},
	{"f = 1e400", "float out of range"},
	{"f = Inf", "expected a value, found 'Inf'"},
	{"f = infinity", "invalid number 'infinity'"},
	{"b = True", "expected a value, found 'True'"},
	{"b = truex", "expected a value, found 'truex'"},
	{"d = 1979-13-27", "invalid date or time '1979-13-27'"},
	{"d = 2001-02-29", "invalid date or time '2001-02-29'"},
	{"d = 1979-05-27T25:00:00", "invalid date or time"},
	{"d = 1979-05-27T07:32", "invalid date or time"},
	{"d = 07:32:00Z", "invalid date or time"},
	{"d = 1979-05-27T07:32:00+7:00", "invalid date or time"},
	{"d = 1979-05-27T07:32:00.", "invalid date or time"},
	{"a = [1, 2", "t.toml:1:10: expected ',' or ']' in an array, found the end of the file"},
	{"a = [1 2]", "t.toml:1:8: expected ',' or ']' in an array, found '2'"},
	{"a = [,]", "expected a value, found ','"},
	{"a = [1,,]", "expected a value, found ','"},
	{"[fruit]\napple = \"red\"\n\n[fruit]\norange = \"orange\"", "t.toml:4:2: table [fruit] is defined twice"},
	{"[fruit]\napple = \"red\"\n\n[fruit.apple]\ntexture = \"smooth\"", "t.toml:4:2: 'fruit.apple' is a string already, not a table"},
	{"[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple]", "t.toml:4:2: table [fruit.apple] is defined by dotted keys already"},
	{"[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple.taste]", "table [fruit.apple.taste] is defined by dotted keys already"},
	{"[a.b.c]\nz = 9\n[a]\nb.c.t = 1", "t.toml:4:1: table 'b.c' is defined already: dotted keys cannot add to it"},
	{"[a]\nb.c = 1\n[a.b.x]\n[a]", "table [a] is defined twice"},
	{"[a]\nb.c = 1\n[a.d]\n", NULL},	/* fine: see below */
	{"[product]\ntype = { name = \"Nail\" }\ntype.edible = false", "t.toml:3:1: table 'type' is defined already: dotted keys cannot add to it"},
	{"[product]\ntype.name = \"Nail\"\ntype = { edible = false }", "t.toml:3:1: duplicate key 'type'"},
	{"a = { b = 1 }\n[a.c]", "t.toml:2:2: 'a' is an inline table: nothing can be added to it"},
	{"a = { b = 1 }\n[a]", "table [a] is an inline table already"},
	{"t = { a = 1, }", "t.toml:1:12: a comma before '}' is not allowed in an inline table"},
	{"t = { a = 1\n}", "t.toml:1:12: an inline table must end on its line: expected '}'"},
	{"t = { a = 1 b = 2 }", "expected ',' or '}' in an inline table, found 'b'"},
	{"t = { a = 1, a = 2 }", "duplicate key 'a'"},
	{"t = { a.b = 1, a = 2 }", "duplicate key 'a'"},
	{"t = { a = {b = 1}, a.c = 2 }", "table 'a' is defined already: dotted keys cannot add to it"},
	{"[fruit.physical]\ncolor = \"red\"\n\n[[fruit]]\nname = \"apple\"", "t.toml:4:3: 'fruit' is a table already, not an array of tables"},
	{"fruits = []\n\n[[fruits]]", "t.toml:3:3: 'fruits' is an array value: [[fruits]] cannot add to it"},
	{"[[fruits]]\nname = \"apple\"\n\n[[fruits.varieties]]\nname = \"red delicious\"\n\n[fruits.varieties]\nname = \"granny smith\"",
	 "t.toml:7:2: 'fruits.varieties' is an array of tables already, not a table"},
	{"[[fruits]]\n[fruits.physical]\ncolor = \"red\"\n[[fruits.physical]]", "'fruits.physical' is a table already, not an array of tables"},
	{"a = [1]\n[a.b]", "key 'a' is an array already, not a table"},
	{"[a]]", "expected the end of the line, found ']'"},
	{"[a", "t.toml:1:3: expected ']' after a table name, found the end of the file"},
	{"[[a]", "expected ']]' after a table name"},
	{"[[a] ]", "expected ']]' after a table name"},
	{"[]", "t.toml:1:2: expected a key, found ']'"},
	{"[\"\"\"a\"\"\"]", "a key cannot be a multi-line string"},
	{"\"a\\u0000b\" = 1", "a key with a NUL character is not supported"},
	{"a.\n= 1", "expected a key, found the end of the line"},
	{"\xce\xb1 = 1", "t.toml:1:1: expected a key, found '\xce\xb1'"},
	{"a = 1\n  b = \"\xc3\xa9\" c", "t.toml:2:11: expected the end of the line, found 'c'"},
};

static void
test_invalid(void **state)
{
	char err[ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < N(invalid); i++) {
		json_object *got = toml(invalid[i].toml, err);

		if (!invalid[i].err) {
			if (!got)
				fail_msg("case %zu: %s", i, err);
			json_object_put(got);
			continue;
		}
		if (got)
			fail_msg("case %zu parsed: %s\n%s", i, invalid[i].toml, json_object_to_json_string(got));
		if (!strstr(err, invalid[i].err))
			fail_msg("case %zu: %s\ngot  %s\nwant %s", i, invalid[i].toml, err, invalid[i].err);
		/* messages are one line, and start with the name */
		assert_null(strchr(err, '\n'));
		assert_int_equal(strncmp(err, "t.toml:", 7), 0);
	}
}

/* ---- what JSON cannot say directly ---- */

static void
test_special_floats(void **state)
{
	char err[ERRLEN];
	json_object *t = toml("sf1 = inf\nsf2 = +inf\nsf3 = -inf\nsf4 = nan\nsf5 = +nan\nsf6 = -nan", err);

	(void)state;
	assert_non_null(t);
	assert_true(isinf(json_object_get_double(json_get(t, "sf1"))) && json_object_get_double(json_get(t, "sf1")) > 0);
	assert_true(isinf(json_object_get_double(json_get(t, "sf2"))) && json_object_get_double(json_get(t, "sf2")) > 0);
	assert_true(isinf(json_object_get_double(json_get(t, "sf3"))) && json_object_get_double(json_get(t, "sf3")) < 0);
	assert_true(isnan(json_object_get_double(json_get(t, "sf4"))));
	assert_true(isnan(json_object_get_double(json_get(t, "sf5"))));
	assert_true(isnan(json_object_get_double(json_get(t, "sf6"))));
	assert_true(json_object_is_type(json_get(t, "sf6"), json_type_double));
	json_object_put(t);
}

static void
test_types_and_text(void **state)
{
	char err[ERRLEN];
	json_object *t = toml("i = 1\nf = 1.0\ng = 0.7\nh = 1e-7\ns = \"a\\u0000b\"\n", err);

	(void)state;
	assert_non_null(t);
	assert_true(json_object_is_type(json_get(t, "i"), json_type_int));
	assert_true(json_object_is_type(json_get(t, "f"), json_type_double));
	/* floats print as floats, in their shortest form */
	assert_string_equal(json_object_to_json_string_ext(t, JSON_C_TO_STRING_PLAIN),
	                    "{\"i\":1,\"f\":1.0,\"g\":0.7,\"h\":1e-7,\"s\":\"a\\u0000b\"}");
	assert_int_equal(json_object_get_string_len(json_get(t, "s")), 3);
	/* no parser state is left on the tree: a deep copy works */
	{
		json_object *copy = NULL;

		assert_int_equal(json_object_deep_copy(t, &copy, NULL), 0);
		assert_true(json_object_equal(t, copy));
		json_object_put(copy);
	}
	json_object_put(t);
}

static void
test_where(void **state)
{
	const char *s = "a = 1\n[t]\n  b = [ \"\xc3\xa9\", 2 ]\n[[q]]\nid = 'x'\n";
	char err[ERRLEN];
	struct toml_where *w;
	json_object *t = toml_parse(s, strlen(s), "t.toml", &w, err, sizeof err), *b;
	unsigned line, col;

	(void)state;
	assert_non_null(t);
	assert_int_equal(toml_where_get(w, json_get(t, "a"), &line, &col), 0);
	assert_int_equal(line, 1);
	assert_int_equal(col, 5);
	assert_int_equal(toml_where_get(w, json_get(t, "t"), &line, &col), 0);
	assert_int_equal(line, 2);
	assert_int_equal(col, 1);
	b = json_get(json_get(t, "t"), "b");
	assert_int_equal(toml_where_get(w, b, &line, &col), 0);
	assert_int_equal(line, 3);
	assert_int_equal(col, 7);
	assert_int_equal(toml_where_get(w, json_object_array_get_idx(b, 1), &line, &col), 0);
	assert_int_equal(line, 3);
	assert_int_equal(col, 14);	/* characters, not bytes */
	assert_int_equal(toml_where_get(w, json_get(json_object_array_get_idx(json_get(t, "q"), 0), "id"),
	                                &line, &col), 0);
	assert_int_equal(line, 5);
	assert_int_equal(col, 6);
	assert_int_equal(toml_where_get(w, t, &line, &col), -1);
	toml_where_free(w);
	json_object_put(t);
}

static void
test_depth(void **state)
{
	char err[ERRLEN];
	struct buf b = {0};
	json_object *t;
	int i;

	(void)state;
	buf_adds(&b, "a = ");
	for (i = 0; i < TOML_MAX_DEPTH; i++)
		buf_adds(&b, "[");
	for (i = 0; i < TOML_MAX_DEPTH; i++)
		buf_adds(&b, "]");
	t = toml(b.data, err);
	assert_non_null(t);
	json_object_put(t);
	buf_reset(&b);
	buf_adds(&b, "a = ");
	for (i = 0; i < 100000; i++)
		buf_adds(&b, "[");
	assert_null(toml(b.data, err));
	assert_non_null(strstr(err, "nested deeper than"));
	buf_reset(&b);
	for (i = 0; i < 100000; i++)
		buf_adds(&b, "a = { ");
	assert_null(toml(b.data, err));
	assert_non_null(strstr(err, "nested deeper than"));
	buf_reset(&b);
	buf_adds(&b, "[");
	for (i = 0; i < 1000; i++)
		buf_adds(&b, "a.");
	buf_adds(&b, "a]");
	assert_null(toml(b.data, err));
	assert_non_null(strstr(err, "a key of more than"));
	buf_free(&b);
}

/* Whatever makes the nesting, a tree the parser gives is one json-c
 * reads back from its JSON (found by fuzz_toml: dotted keys, headers and
 * arrays of tables were counted apart, or not at all, so a 40-part
 * dotted key gave a tree json-c found too deep). */
static void
test_depth_reads_back(void **state)
{
	static const struct {
		const char *head, *part, *tail;
		int ok;		/* parts that still fit */
	} c[] = {
		{"", "a.", "a = 1", TOML_MAX_DEPTH - 1},
		{"[", "a.", "a]", TOML_MAX_DEPTH - 1},
		{"[[", "a.", "a]]", TOML_MAX_DEPTH - 2},
		{"[[a]]\n[[a.", "b.", "a]]\nx = 1", TOML_MAX_DEPTH - 5},
		{"[", "a.", "a]\nx.y = 1", TOML_MAX_DEPTH - 3},
	};
	char err[ERRLEN], why[ERRLEN];
	struct buf b = {0}, line = {0};
	size_t i;
	int k, n;

	(void)state;
	for (i = 0; i < N(c); i++) {
		for (n = c[i].ok - 2; n <= c[i].ok + 1; n++) {
			json_object *t, *back;

			buf_reset(&b);
			buf_adds(&b, c[i].head);
			for (k = 0; k < n; k++)
				buf_adds(&b, c[i].part);
			buf_adds(&b, c[i].tail);
			t = toml(b.data, err);
			if (!t) {
				if (n <= c[i].ok)
					fail_msg("%s: refused: %s", b.data, err);
				if (!strstr(err, "nested deeper than") && !strstr(err, "a key of more"))
					fail_msg("%s: %s", b.data, err);
				continue;
			}
			if (n > c[i].ok)
				fail_msg("%s: taken", b.data);
			json_line(t, &line);
			back = json_parse(line.data, line.len, why, sizeof why);
			if (!back)
				fail_msg("%s: %s", line.data, why);
			json_object_put(back);
			json_object_put(t);
		}
	}
	buf_free(&b);
	buf_free(&line);
}

/* Every prefix of a valid document parses or fails cleanly (under ASan
 * this finds reads past the end: the prefix has no NUL after it). */
static void
test_prefixes(void **state)
{
	char err[ERRLEN];
	size_t i, k;

	(void)state;
	for (i = 0; i < N(valid); i++) {
		size_t n = strlen(valid[i].toml);

		for (k = 0; k < n; k++) {
			char *s = memcpy(emalloc(k + !k), valid[i].toml, k);
			json_object *t = toml_parse(s, k, "t", NULL, err, sizeof err);

			json_object_put(t);
			free(s);
		}
	}
}

/* A value missing at the end of the text: the byte past the end is not
 * read (found by fuzz_toml; ASan catches it, the buffer has no NUL). */
static void
test_value_missing_at_end(void **state)
{
	char err[ERRLEN];
	char *s = memcpy(emalloc(3), "a =", 3);
	json_object *t = toml_parse(s, 3, "t", NULL, err, sizeof err);

	(void)state;
	assert_null(t);
	assert_non_null(strstr(err, "t:1:4: expected a value"));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_special_floats),
		cmocka_unit_test(test_types_and_text),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_depth_reads_back),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_value_missing_at_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
