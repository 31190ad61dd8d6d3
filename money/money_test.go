package money

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	ok := []struct {
		in   string
		want Cents
	}{
		{"2.50", 250},
		{"2,50", 250},
		{"2.5", 250},
		{"2,5", 250},
		{"2.10", 210},
		{"2.1", 210},
		{"3", 300},
		{"0", 0},
		{"-0", 0},
		{"+0", 0},
		{"0.00", 0},
		{"-0.00", 0},
		{"-1.25", -125},
		{"-1,25", -125},
		{"+4", 400},
		{" 12.00 ", 1200},
		{"\t7,05\n", 705},
		{"0.01", 1},
		{"-0.05", -5},
		{"0.99", 99},
		{".5", 50},
		{",5", 50},
		{"-.5", -50},
		{"+.05", 5},
		{"007", 700},
		{"007.70", 770},
		{"1234.56", 123456},
		{"1000000000000", MaxUnits * 100},
		{"1000000000000.00", MaxUnits * 100},
		{"-1000000000000", -MaxUnits * 100},
		{"999999999999.99", MaxUnits*100 - 1},
		{"00000000000000000000000000001", 100},
		// Thousands grouped by a space, a no-break space or a narrow no-break space.
		{"1 000,50", 100050},
		{"1\u00a0000,50", 100050},
		{"1\u202f000,50", 100050},
		{"1 234", 123400},
		{"1\u00a0234", 123400},
		{"1\u202f234", 123400},
		{"1 000.50", 100050},
		{"-1 000,5", -100050},
		{"+12 345", 1234500},
		{"123 456 789,01", 12345678901},
		{"1 000 000 000 000", MaxUnits * 100},
		{"1 234 567\u202f890,12", 123456789012},
		{" 1 000,50 ", 100050},
		{"\u00a01 000,50\u202f", 100050},
		{"1 234,50", 123450}, // what Format("fr") shows, read back as is
	}
	for _, tc := range ok {
		got, err := Parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}

	bad := []string{
		"", " ", "\t", "-", "+", ".", ",", "-.", "+,",
		"abc", "1a", "a1", "€1", "1€", "$1", "1 EUR",
		"1e3", "1E3", "1e-2", "2.5e1",
		"1.2.3", "1,2,3", "1.2,3", "1,234.50", "1.234,50",
		"1_000", "1'000",
		// Badly grouped thousands, or grouping mixed with '.' and ',': refused, not guessed.
		"12 34", "1 2345", "1234 567", "1  234", "1 \u00a0234", "1 234 5", "1 23", "0 1",
		"1 234,5 0", "1 000,50 0", "1,5 000", "1 000.000,50", "1.000 000", "1 000,505",
		"- 1 000", "+ 1 000", "1 000-", "1 000 €", "€ 1 000", " , 50", "1 ,50", "1 .50",
		"1\t234", "1\n234", "1\u2009234", "1\u3000234", "1 0x0",
		"1 000 000 000 000,01", "10 000 000 000 000",
		"--1", "++1", "+-1", "-+1", "- 1", "1-", "1+",
		"1.", "1,", "-1.",
		"1.234", "0.001", "1,234", "0,125",
		"NaN", "nan", "Inf", "-Inf", "+Inf", "Infinity",
		"0x10", "1/2", "١", "１", // Arabic-Indic and full-width digits
		"1000000000000.01", "1000000000001", "-1000000000000.01",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808",
		"92233720368547758.07", "99999999999999999999999999999999",
	}
	for _, in := range bad {
		got, err := Parse(in)
		if err == nil {
			t.Errorf("Parse(%q) = %d, nil; want an error", in, got)
			continue
		}
		if !errors.Is(err, ErrInvalidAmount) {
			t.Errorf("Parse(%q) error %v does not wrap ErrInvalidAmount", in, err)
		}
		if got != 0 {
			t.Errorf("Parse(%q) returned %d with an error", in, got)
		}
	}
}

func TestParseOverflowIsMarked(t *testing.T) {
	for _, in := range []string{"1000000000001", "99999999999999999999999", "-1000000000000.01"} {
		if _, err := Parse(in); !errors.Is(err, ErrOverflow) {
			t.Errorf("Parse(%q) error = %v; want ErrOverflow", in, err)
		}
	}
	if _, err := Parse("1x"); errors.Is(err, ErrOverflow) {
		t.Errorf("garbage reported as overflow: %v", err)
	}
}

func TestParseErrorMessageIsBounded(t *testing.T) {
	_, err := Parse(strings.Repeat("9", 10000) + "x")
	if err == nil || len(err.Error()) > 200 {
		t.Fatalf("error too long or missing: %d chars", len(err.Error()))
	}
}

func TestDecimal(t *testing.T) {
	cases := []struct {
		in   Cents
		want string
	}{
		{0, "0.00"},
		{1, "0.01"},
		{-5, "-0.05"},
		{99, "0.99"},
		{100, "1.00"},
		{1250, "12.50"},
		{-1250, "-12.50"},
		{123456, "1234.56"},
		{MaxUnits * 100, "1000000000000.00"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
	}
	for _, tc := range cases {
		if got := tc.in.Decimal(); got != tc.want {
			t.Errorf("Cents(%d).Decimal() = %q; want %q", int64(tc.in), got, tc.want)
		}
	}
}

func TestFormat(t *testing.T) {
	const nb, nn = " ", " "
	cases := []struct {
		c         Cents
		lang, cur string
		want      string
	}{
		{123450, "fr", "EUR", "1" + nn + "234,50" + nb + "€"},
		{123450, "en", "EUR", "€1,234.50"},
		{1250, "fr", "EUR", "12,50" + nb + "€"},
		{-1250, "fr", "EUR", "-12,50" + nb + "€"},
		{-1250, "en", "EUR", "-€12.50"},
		{0, "fr", "EUR", "0,00" + nb + "€"},
		{0, "en", "EUR", "€0.00"},
		{5, "fr", "EUR", "0,05" + nb + "€"},
		{-5, "en", "EUR", "-€0.05"},
		{99999, "fr", "EUR", "999,99" + nb + "€"},
		{100000, "fr", "EUR", "1" + nn + "000,00" + nb + "€"},
		{123456789012, "fr", "EUR", "1" + nn + "234" + nn + "567" + nn + "890,12" + nb + "€"},
		{123456789012, "en", "EUR", "€1,234,567,890.12"},
		{12345678901, "en", "EUR", "€123,456,789.01"},
		{1250, "en", "USD", "$12.50"},
		{1250, "en", "GBP", "£12.50"},
		{1250, "fr", "USD", "12,50" + nb + "$"},
		{1250, "fr", "GBP", "12,50" + nb + "£"},
		{300, "fr", "CHF", "3,00" + nb + "CHF"},
		{300, "en", "CHF", "CHF" + nb + "3.00"},
		{-300, "en", "CHF", "-CHF" + nb + "3.00"},
		{300, "en", "chf", "CHF" + nb + "3.00"},
		{1250, "fr", "", "12,50" + nb + "€"},
		{1250, "fr-BE", "eur", "12,50" + nb + "€"},
		{1250, "FR_fr", "EUR", "12,50" + nb + "€"},
		{1250, "en-GB", "EUR", "€12.50"},
		{1250, "de", "EUR", "€12.50"},
		{1250, "", "EUR", "€12.50"},
		{math.MinInt64, "en", "EUR", "-€92,233,720,368,547,758.08"},
	}
	for _, tc := range cases {
		if got := tc.c.Format(tc.lang, tc.cur); got != tc.want {
			t.Errorf("Cents(%d).Format(%q, %q) = %q; want %q", int64(tc.c), tc.lang, tc.cur, got, tc.want)
		}
	}
}

func TestParseMicros(t *testing.T) {
	ok := []struct {
		in   string
		want Micros
	}{
		{"2.10", 2_100_000},
		{"2.1", 2_100_000},
		{"3", 3_000_000},
		{"0", 0},
		{"0.0", 0},
		{"-0", 0},
		{"-1.5", -1_500_000},
		{"0.123456", 123_456},
		{"0.000001", 1},
		{"-0.000001", -1},
		{"+4", 4_000_000},
		{".5", 500_000},
		{" 2.5 ", 2_500_000},
		{"1.4750", 1_475_000},
		{"100", 100_000_000},
		{"9223372036854.775807", math.MaxInt64},
		{"-9223372036854.775807", -math.MaxInt64},
	}
	for _, tc := range ok {
		got, err := ParseMicros(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseMicros(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	bad := []string{
		"", " ", "-", "+", ".", "abc", "2,1", "2,10", "1,234",
		"1e2", "1E2", "2.1e0", "1e-6", "0.1234567", "1.0000000",
		"1.", "1.2.3", "--1", "+-1", "NaN", "Inf", "-Infinity", "null", "true",
		`"2.1"`, "0x1", "1 000", "١",
		"9223372036854.775808", "9223372036854775807", "-9223372036854.775808",
		"99999999999999999999999999",
	}
	for _, in := range bad {
		got, err := ParseMicros(in)
		if err == nil || !errors.Is(err, ErrInvalidAmount) {
			t.Errorf("ParseMicros(%q) = %d, %v; want an ErrInvalidAmount error", in, got, err)
		}
	}
}

func TestMicrosString(t *testing.T) {
	cases := []struct {
		in   Micros
		want string
	}{
		{0, "0"},
		{2_100_000, "2.1"},
		{3_000_000, "3"},
		{123_456, "0.123456"},
		{1, "0.000001"},
		{-1_500_000, "-1.5"},
		{-1, "-0.000001"},
		{1_475_000, "1.475"},
		{10_000_000, "10"},
		{math.MaxInt64, "9223372036854.775807"},
		{math.MinInt64, "-9223372036854.775808"},
	}
	for _, tc := range cases {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("Micros(%d).String() = %q; want %q", int64(tc.in), got, tc.want)
		}
	}
}

func TestMicrosCents(t *testing.T) {
	cases := []struct {
		in   Micros
		want Cents
	}{
		{0, 0},
		{2_100_000, 210},
		{2_104_999, 210},
		{2_105_000, 211},
		{2_109_999, 211},
		{4_999, 0},
		{5_000, 1},
		{-4_999, 0},
		{-5_000, -1},
		{-2_105_000, -211},
		{-2_104_999, -210},
		{1_475_000, 148},
		{math.MaxInt64, 922337203685478},
		{math.MinInt64, -922337203685478},
	}
	for _, tc := range cases {
		if got := tc.in.Cents(); got != tc.want {
			t.Errorf("Micros(%d).Cents() = %d; want %d", int64(tc.in), got, tc.want)
		}
	}
}

func TestMicrosTimes(t *testing.T) {
	cases := []struct {
		m    Micros
		unit Cents
		want Cents
	}{
		{0, 100, 0},
		{3_000_000, 100, 300},
		{2_100_000, 100, 210},
		{2_500_000, 100, 250},
		{1, 100, 0},          // 0.0001 cent, floored
		{999_999, 1, 0},      // 0.999999 cent, floored
		{1_000_000, 1, 1},    // exactly one cent
		{123_456, 1000, 123}, // 123.456 cents
		{2_000_000, 0, 0},    // unit 0 credits nothing
		{math.MaxInt64, 1, 9223372036854},
		{1_000_000, math.MaxInt64, math.MaxInt64},
		{math.MaxInt64, 1_000_000, math.MaxInt64},
	}
	for _, tc := range cases {
		got, err := tc.m.Times(tc.unit)
		if err != nil || got != tc.want {
			t.Errorf("Micros(%d).Times(%d) = %d, %v; want %d", int64(tc.m), int64(tc.unit), got, err, tc.want)
		}
	}

	overflow := []struct {
		m    Micros
		unit Cents
	}{
		{math.MaxInt64, math.MaxInt64},
		{2_000_000, math.MaxInt64},
		{math.MaxInt64, 1_000_001},
		{1_000_001, math.MaxInt64},
	}
	for _, tc := range overflow {
		if got, err := tc.m.Times(tc.unit); !errors.Is(err, ErrOverflow) {
			t.Errorf("Micros(%d).Times(%d) = %d, %v; want ErrOverflow", int64(tc.m), int64(tc.unit), got, err)
		}
	}
	for _, tc := range []struct {
		m    Micros
		unit Cents
	}{{-1, 100}, {1_000_000, -1}, {math.MinInt64, 1}} {
		if _, err := tc.m.Times(tc.unit); !errors.Is(err, ErrNegative) {
			t.Errorf("Micros(%d).Times(%d) error = %v; want ErrNegative", int64(tc.m), int64(tc.unit), err)
		}
	}
}

// TestTimesMatchesBig checks Times against exact rational arithmetic on a
// spread of values.
func TestTimesMatchesBig(t *testing.T) {
	ms := []int64{0, 1, 7, 999_999, 1_000_000, 1_000_001, 2_100_000, 123_456_789, 1 << 40, math.MaxInt64 / 3, math.MaxInt64}
	units := []int64{0, 1, 3, 100, 250, 1_000_000, 1 << 30, math.MaxInt64 / 7, math.MaxInt64}
	for _, m := range ms {
		for _, u := range units {
			p := new(big.Int).Mul(big.NewInt(m), big.NewInt(u))
			p.Quo(p, big.NewInt(1_000_000))
			got, err := Micros(m).Times(Cents(u))
			if !p.IsInt64() {
				if !errors.Is(err, ErrOverflow) {
					t.Errorf("Times(%d,%d) = %d, %v; want overflow", m, u, got, err)
				}
				continue
			}
			if err != nil || int64(got) != p.Int64() {
				t.Errorf("Times(%d,%d) = %d, %v; want %d", m, u, got, err, p.Int64())
			}
		}
	}
}

// ratOf returns the exact value of a decimal text × scale as a big.Rat, used
// as an independent oracle for Parse.
func ratOf(s string, scale int64) *big.Rat {
	s = strings.NewReplacer(",", ".", " ", "", "\u00a0", "", "\u202f", "").Replace(strings.TrimSpace(s))
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil
	}
	return r.Mul(r, new(big.Rat).SetInt64(scale))
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"2.50", "2,50", "2.5", "3", "-1.25", "+4", "0", " 12.00 ", ".5", "-0.05",
		"1e3", "1.2.3", "--1", "1.", "1 234", "1,234.50", "NaN", "Inf", "1 000,50", "1\u202f000", "12 34",
		"1000000000000", "1000000000000.01", "99999999999999999999", "", "-", "١",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidAmount) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrInvalidAmount", s, err)
			}
			if c != 0 {
				t.Fatalf("Parse(%q) returned %d with an error", s, c)
			}
			return
		}
		if c > MaxUnits*100 || c < -MaxUnits*100 {
			t.Fatalf("Parse(%q) = %d, beyond MaxUnits", s, c)
		}
		// Independent oracle: the exact rational value ×100 must equal c.
		r := ratOf(s, 100)
		if r == nil || !r.IsInt() || r.Num().Int64() != int64(c) {
			t.Fatalf("Parse(%q) = %d; exact value ×100 is %v", s, c, r)
		}
		back, err := Parse(c.Decimal())
		if err != nil || back != c {
			t.Fatalf("round trip of %q: Decimal %q parsed to %d, %v", s, c.Decimal(), back, err)
		}
		// The French display form parses back too, thousands separators included.
		fr := strings.TrimSuffix(c.Format("fr", "EUR"), " €")
		if back, err := Parse(fr); err != nil || back != c {
			t.Fatalf("French form %q of %d parsed to %d, %v", fr, c, back, err)
		}
	})
}

func FuzzDecimalRoundTrip(f *testing.F) {
	for _, v := range []int64{0, 1, -1, 99, -5, 1250, MaxUnits * 100, -MaxUnits * 100, MaxUnits*100 + 1, math.MaxInt64, math.MinInt64} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v int64) {
		c := Cents(v)
		back, err := Parse(c.Decimal())
		inRange := v <= MaxUnits*100 && v >= -MaxUnits*100
		if inRange && (err != nil || back != c) {
			t.Fatalf("Parse(%q) = %d, %v; want %d", c.Decimal(), back, err, v)
		}
		if !inRange && !errors.Is(err, ErrOverflow) {
			t.Fatalf("Parse(%q) = %d, %v; want ErrOverflow", c.Decimal(), back, err)
		}
		_ = c.Format("fr", "EUR")
		_ = c.Format("en", "XYZ")
	})
}

func FuzzParseMicros(f *testing.F) {
	for _, s := range []string{
		"2.10", "2.1", "3", "0", "-1.5", "0.123456", "1e2", "0.1234567", "2,1",
		"9223372036854.775807", "9223372036854.775808", "", "abc", ".5", "+4",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMicros(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidAmount) {
				t.Fatalf("ParseMicros(%q) error %v does not wrap ErrInvalidAmount", s, err)
			}
			return
		}
		r := ratOf(s, 1_000_000)
		if strings.Contains(s, ",") || r == nil || !r.IsInt() || r.Num().Int64() != int64(m) {
			t.Fatalf("ParseMicros(%q) = %d; exact value ×1e6 is %v", s, m, r)
		}
		back, err := ParseMicros(m.String())
		if err != nil || back != m {
			t.Fatalf("round trip of %q: String %q parsed to %d, %v", s, m.String(), back, err)
		}
		// Cents rounds half away from zero: |m - c×10000| <= 5000.
		c := m.Cents()
		d := new(big.Int).Sub(big.NewInt(int64(m)), new(big.Int).Mul(big.NewInt(int64(c)), big.NewInt(10_000)))
		if d.CmpAbs(big.NewInt(5_000)) > 0 || (d.CmpAbs(big.NewInt(5_000)) == 0 && d.Sign() == signOf(int64(m))) {
			t.Fatalf("Micros(%d).Cents() = %d", m, c)
		}
		if m >= 0 {
			got, err := m.Times(100)
			want := new(big.Int).Quo(big.NewInt(int64(m)), big.NewInt(10_000))
			if err != nil || int64(got) != want.Int64() {
				t.Fatalf("Micros(%d).Times(100) = %d, %v; want %v", m, got, err, want)
			}
		}
	})
}

func signOf(m int64) int {
	switch {
	case m > 0:
		return 1
	case m < 0:
		return -1
	}
	return 0
}
