package polysock

// Peer certificates: Python's getpeercert() dict, and its binary form.

import (
	"crypto/x509"

	"polysock.dev/polysock/internal/raw"
)

// NameAttribute is one attribute of a distinguished name, as in Python's
// getpeercert(): (("commonName", "localhost"),).
type NameAttribute struct {
	Name  string // Python's attribute name, e.g. "commonName", "organizationName"
	Value string
}

// RDN is one relative distinguished name: usually one attribute, several for a
// multi-valued RDN.
type RDN []NameAttribute

// AltName is one subjectAltName entry, e.g. {"DNS", "localhost"}, {"IP Address", "127.0.0.1"}.
type AltName struct {
	Type  string
	Value string
}

// PeerCertificate is getpeercert(): Subject, Issuer, SubjectAltName, Version,
// SerialNumber, NotBefore and NotAfter as in Python's dict (which is empty when the
// certificate was not validated, CERT_NONE: Validated false, those fields zero), and
// the DER bytes (getpeercert(binary_form=True)), always there.
type PeerCertificate struct {
	Validated      bool
	Subject        []RDN
	Issuer         []RDN
	SubjectAltName []AltName
	Version        int    // e.g. 3
	SerialNumber   string // upper-case hex
	NotBefore      string // e.g. "Dec  2 03:15:37 2026 GMT"
	NotAfter       string
	DER            []byte
}

// X509 parses the DER bytes with crypto/x509.
func (c *PeerCertificate) X509() (*x509.Certificate, error) { return x509.ParseCertificate(c.DER) }

// SubjectAttribute is the first value of the named attribute of the subject (e.g.
// "commonName"), and whether there is one.
func (c *PeerCertificate) SubjectAttribute(name string) (string, bool) {
	for _, rdn := range c.Subject {
		for _, a := range rdn {
			if a.Name == name {
				return a.Value, true
			}
		}
	}
	return "", false
}

// peerCert reads the peer certificate of a socket or object into Go values, then
// frees the native one.
func peerCert(h uint64, obj bool, control func(func()) bool, closed func() error) (*PeerCertificate, error) {
	var cert uint64
	var e raw.ErrBuf
	rc := 0
	if !control(func() { rc = raw.Tls_getpeercert(h, b2i(obj), &cert, &e) }) {
		return nil, closed()
	}
	if rc != 0 {
		return nil, errOf(rc, &e)
	}
	if cert == 0 {
		return nil, nil
	}
	defer raw.Tls_cert_free(cert)
	var info raw.CertInfo
	if rc := raw.Tls_cert_info(cert, &info, &e); rc != 0 {
		return nil, errOf(rc, &e)
	}
	pc := &PeerCertificate{Validated: info.Validated != 0}
	if err := certDER(cert, pc); err != nil {
		return nil, err
	}
	if !pc.Validated {
		return pc, nil // Python's getpeercert() is {}: only the binary form
	}
	pc.Version = int(info.Version)
	pc.SerialNumber = raw.CString(info.SerialNumber[:])
	pc.NotBefore, pc.NotAfter = raw.CString(info.NotBefore[:]), raw.CString(info.NotAfter[:])
	var err error
	if pc.Subject, err = certNames(cert, raw.TLSCertSubject); err != nil {
		return nil, err
	}
	if pc.Issuer, err = certNames(cert, raw.TLSCertIssuer); err != nil {
		return nil, err
	}
	san, err := certEntries(cert, raw.TLSCertSAN)
	if err != nil {
		return nil, err
	}
	for _, en := range san {
		pc.SubjectAltName = append(pc.SubjectAltName, AltName{Type: raw.CString(en.Name[:]), Value: raw.CString(en.Value[:])})
	}
	return pc, nil
}

// certDER reads the certificate's DER bytes into pc.DER.
func certDER(cert uint64, pc *PeerCertificate) error {
	var e raw.ErrBuf
	var need int64
	n := raw.Tls_cert_der(cert, nil, &need, &e)
	switch {
	case n == int64(raw.StatusRange):
		pc.DER = make([]byte, need)
		if n = raw.Tls_cert_der(cert, pc.DER, &need, &e); n < 0 {
			return errOf(int(n), &e)
		}
		pc.DER = pc.DER[:n]
	case n < 0:
		return errOf(int(n), &e)
	}
	return nil
}

func certEntries(cert uint64, list int) ([]raw.CertEntry, error) {
	var e raw.ErrBuf
	n := raw.Tls_cert_entry_count(cert, list, &e)
	if n < 0 {
		return nil, errOf(int(n), &e)
	}
	out := make([]raw.CertEntry, n)
	for i := range out {
		if rc := raw.Tls_cert_entry(cert, list, int64(i), &out[i], &e); rc != 0 {
			return nil, errOf(rc, &e)
		}
	}
	return out, nil
}

// certNames groups the entries of a name into its RDNs (entries of one RDN share rdn).
func certNames(cert uint64, list int) ([]RDN, error) {
	entries, err := certEntries(cert, list)
	if err != nil {
		return nil, err
	}
	var out []RDN
	last := int32(-1)
	for _, en := range entries {
		a := NameAttribute{Name: raw.CString(en.Name[:]), Value: raw.CString(en.Value[:])}
		if len(out) == 0 || en.RDN != last {
			out = append(out, RDN{a})
		} else {
			out[len(out)-1] = append(out[len(out)-1], a)
		}
		last = en.RDN
	}
	return out, nil
}
