package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/flowtrack/flowtrack"
)

// maxBody is the largest request body FlowTrack reads.
const maxBody = 1 << 20

// object is a decoded JSON request body; numbers stay json.Number so
// integers are read exactly.
type object map[string]any

// readObject reads a request body as DRF's JSONParser and serializer do:
// empty is {}, another content type is 415, over 1 MiB is 413 (read no
// further), bad JSON is 400, and a JSON value that is not an object is a
// non_field_errors 400.
func readObject(r *http.Request) (object, error) {
	_, o, err := readBody(r)
	return o, err
}

// readBody is readObject that also returns the raw body.
func readBody(r *http.Request) ([]byte, object, error) {
	if r.ContentLength > maxBody {
		return nil, nil, errTooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, nil, errTooLarge
	}
	if err != nil {
		return nil, nil, errorf(http.StatusBadRequest, "Malformed request.")
	}
	if len(body) == 0 {
		return body, object{}, nil
	}
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return nil, nil, errorf(http.StatusUnsupportedMediaType, `Unsupported media type "`+ct+`" in request.`)
	}
	o, err := parseObject(body)
	return body, o, err
}

// parseObject decodes a JSON body that must be an object.
func parseObject(body []byte) (object, error) {
	if !utf8.Valid(body) {
		return nil, parseError("invalid UTF-8 in request body")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, parseError(err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, parseError(fmt.Sprintf("Extra data: char %d", dec.InputOffset()))
	}
	switch v := v.(type) {
	case map[string]any:
		if hasLoneSurrogate(body) {
			markSurrogates(body, v)
		}
		return object(v), nil
	case nil:
		return nil, flowtrack.Invalid(flowtrack.NonFieldErrors, "No data provided")
	default:
		return nil, flowtrack.Invalid(flowtrack.NonFieldErrors,
			"Invalid data. Expected a dictionary, but got "+pyType(v)+".")
	}
}

func parseError(reason string) error {
	return errorf(http.StatusBadRequest, "JSON parse error - "+strings.TrimPrefix(reason, "json: "))
}

// pyType names a JSON value's type as Python does, for DRF's messages.
func pyType(v any) string {
	switch v := v.(type) {
	case string, surrogate:
		return "str"
	case bool:
		return "bool"
	case json.Number:
		if _, err := v.Int64(); err == nil || !strings.ContainsAny(v.String(), ".eE") {
			return "int"
		}
		return "float"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	}
	return "NoneType"
}

// pyStr renders a JSON value as Python's str() would, for messages that
// echo the input.
func pyStr(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		if v {
			return "True"
		}
		return "False"
	case json.Number:
		return v.String()
	case nil:
		return "None"
	}
	b, _ := marshal(v)
	return string(b)
}

// str reads a string field as DRF's CharField: numbers become their text,
// other types are "Not a valid string.". The rules (blank, length) are the
// domain's.
func (o object) str(p *flowtrack.Problems, field string) flowtrack.Opt[string] {
	return o.text(p, field, "Not a valid string.")
}

// email reads an email field: DRF's EmailField is a CharField whose
// message for a value of the wrong type is its own.
func (o object) email(p *flowtrack.Problems, field string) flowtrack.Opt[string] {
	return o.text(p, field, flowtrack.MsgEmailInvalid)
}

// text reads a string field, with invalid as the message for a wrong type.
func (o object) text(p *flowtrack.Problems, field, invalid string) flowtrack.Opt[string] {
	v, ok := o[field]
	if !ok {
		return flowtrack.Opt[string]{}
	}
	switch v := v.(type) {
	case string:
		return flowtrack.Some(v)
	case json.Number:
		return flowtrack.Some(v.String())
	case surrogate:
		p.Add(field, fmt.Sprintf("Surrogate characters are not allowed: U+%X.", rune(v)))
	case nil:
		p.Add(field, flowtrack.MsgNull)
	default:
		p.Add(field, invalid)
	}
	return flowtrack.Opt[string]{}
}

// choice reads a choice field: the input's text is compared to the choices.
func (o object) choice(p *flowtrack.Problems, field string) flowtrack.Opt[string] {
	v, ok := o[field]
	if !ok {
		return flowtrack.Opt[string]{}
	}
	if v == nil {
		p.Add(field, flowtrack.MsgNull)
		return flowtrack.Opt[string]{}
	}
	return flowtrack.Some(pyStr(v))
}

// pk reads a reference to another object as DRF's PrimaryKeyRelatedField:
// an integer or a string of digits; an id that cannot exist is reported
// as missing, a value of another type as of the wrong type.
func (o object) pk(p *flowtrack.Problems, field string) flowtrack.Opt[int64] {
	v, ok := o[field]
	if !ok {
		return flowtrack.Opt[int64]{}
	}
	switch v := v.(type) {
	case nil:
		p.Add(field, flowtrack.MsgNull)
		return flowtrack.Opt[int64]{}
	case json.Number:
		id, err := strconv.ParseInt(v.String(), 10, 64)
		if err != nil || id <= 0 {
			p.Add(field, flowtrack.MsgInvalidPK(v.String()))
			return flowtrack.Opt[int64]{}
		}
		return flowtrack.Some(id)
	case string:
		return flowtrack.ParseRef(p, field, v)
	default:
		p.Add(field, "Incorrect type. Expected pk value, received "+pyType(v)+".")
		return flowtrack.Opt[int64]{}
	}
}

// date reads a nullable date field as DRF's DateField.
func (o object) date(p *flowtrack.Problems, field string) flowtrack.Opt[*flowtrack.Date] {
	v, ok := o[field]
	if !ok {
		return flowtrack.Opt[*flowtrack.Date]{}
	}
	if v == nil {
		return flowtrack.Some[*flowtrack.Date](nil)
	}
	if s, ok := v.(string); ok {
		if d, ok := flowtrack.ParseDate(s); ok {
			return flowtrack.Some(&d)
		}
	}
	p.Add(field, flowtrack.MsgDate)
	return flowtrack.Opt[*flowtrack.Date]{}
}
