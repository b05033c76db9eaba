package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/falcon-triage/falcon-triage/model"
)

// person is someone the console can assign to: the analyst (me) or a team
// member from the config file.
type person struct {
	Name  string `yaml:"name"`
	Login string `yaml:"login"`
	UUID  string `yaml:"uuid"`
}

func (p person) user() model.User {
	first, last, _ := strings.Cut(strings.TrimSpace(p.Name), " ")
	return model.User{UUID: p.UUID, UID: p.Login, FirstName: first, LastName: last}
}

// fileConfig is config.yaml. Unknown keys are an error, so a typo does not
// silently do nothing.
type fileConfig struct {
	ClientID         string            `yaml:"client_id"`
	ClientSecret     string            `yaml:"client_secret"`
	Cloud            string            `yaml:"cloud"`
	BaseURL          string            `yaml:"base_url"`
	MemberCID        string            `yaml:"member_cid"`
	CAFile           string            `yaml:"ca_file"`
	Me               person            `yaml:"me"`
	Team             []person          `yaml:"team"`
	Theme            string            `yaml:"theme"`
	Keys             map[string]string `yaml:"keys"`
	SavedFilters     map[string]string `yaml:"saved_filters"`
	ConfirmThreshold int               `yaml:"confirm_threshold"`
	ReadOnly         bool              `yaml:"read_only"`
	// API is detects, alerts or auto.
	API string `yaml:"api"`
	// Products scopes the first view to these Alerts products (epp, idp,
	// ngsiem, cwpp, thirdparty, xdr, mobile).
	Products []string `yaml:"products"`
	// VerdictTags name the tags the verdicts become on the Alerts API.
	VerdictTags struct {
		TruePositive  string `yaml:"true_positive"`
		FalsePositive string `yaml:"false_positive"`
		Ignored       string `yaml:"ignored"`
	} `yaml:"verdict_tags"`
}

// configDir is $XDG_CONFIG_HOME/falcon-triage (or ~/.config/falcon-triage).
func configDir() string { return xdgDir("XDG_CONFIG_HOME", ".config") }

// stateDir is $XDG_STATE_HOME/falcon-triage (or ~/.local/state/falcon-triage).
func stateDir() string { return xdgDir("XDG_STATE_HOME", filepath.Join(".local", "state")) }

// xdgDir is the tool's folder under an XDG base directory, or under its
// default below the home folder ("" when there is no home).
func xdgDir(env, underHome string) string {
	if d := os.Getenv(env); d != "" {
		return filepath.Join(d, "falcon-triage")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, underHome, "falcon-triage")
}

// loadConfig reads the config file. A missing file at the default path is an
// empty config; a missing file named by --config is an error. No one but the
// user may write the file, and a file that holds a client secret must not be
// readable by group or others.
func loadConfig(path string, explicit bool) (fileConfig, error) {
	var c fileConfig
	if path == "" {
		return c, nil
	}
	raw, mode, err := readConfigFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !explicit {
			return c, nil
		}
		return c, fmt.Errorf("reading the config file: %w", err)
	}
	// Whoever can write the file can set base_url and have the secret from
	// the environment sent to a host of theirs, secret in the file or not.
	if mode&0o022 != 0 {
		return c, fmt.Errorf("config file %s is writable by group or others (mode %04o), who could point base_url anywhere: run chmod go-w %s (chmod 600 if it holds a secret)", path, mode, path)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, errEOF) {
		return fileConfig{}, fmt.Errorf("config file %s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if c.ClientSecret != "" && mode&0o077 != 0 {
		return fileConfig{}, fmt.Errorf("config file %s holds a client secret and is readable by others (mode %04o): run chmod 600 %s", path, mode, path)
	}
	return c, nil
}

// readConfigFile reads the file and its permissions from one open file, so
// the mode checked is the mode of the file read.
func readConfigFile(path string) ([]byte, fs.FileMode, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	raw, err := io.ReadAll(io.LimitReader(f, 1<<20))
	return raw, fi.Mode().Perm(), err
}

// errEOF is what the YAML decoder returns for an empty document.
var errEOF = func() error {
	var v any
	return yaml.NewDecoder(strings.NewReader("")).Decode(&v)
}()

// firstOf returns the first non-empty value: flag › environment › file.
func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
