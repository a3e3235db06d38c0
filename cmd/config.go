package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Settings come, highest first, from flags, EKSNET_* environment variables,
// the config file, and the flags' defaults. The key of every setting is its
// flag name: --cni-version is EKSNET_CNI_VERSION and `cni-version:` in the
// file; a key under a command's name (`maxpods: {prefix-delegation: true}`)
// applies to that command only and beats a top-level key.

// defaultConfigPath is $XDG_CONFIG_HOME/eksnet/config.yaml.
func defaultConfigPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "eksnet", "config.yaml")
}

// loadSettings reads the config file into a viper instance (applySettings
// reads the environment itself, flag by flag). An explicit --config must exist; the default one may not.
func loadSettings(path string, explicit bool) (*viper.Viper, error) {
	v := viper.New()
	if path == "" {
		return v, nil
	}
	if _, err := os.Stat(path); err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			return v, nil
		}
		return nil, usageErrorf("config file %s: %v", path, err)
	}
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		return nil, usageErrorf("config file %s: %v (want YAML with flag names as keys)", path, err)
	}
	return v, nil
}

// applySettings fills every flag the user did not set from the environment or
// config file, so that validation in the command sees the merged values.
func applySettings(c *cobra.Command, v *viper.Viper) error {
	scope := strings.ReplaceAll(strings.TrimPrefix(c.CommandPath(), c.Root().Name()+" "), " ", ".")
	var err error
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" || f.Name == "config" {
			return
		}
		var val any
		var from string
		if env := "EKSNET_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_")); os.Getenv(env) != "" {
			val, from = os.Getenv(env), env
		} else if v.InConfig(scope + "." + f.Name) {
			val, from = v.Get(scope+"."+f.Name), "config key "+scope+"."+f.Name
		} else if v.InConfig(f.Name) {
			val, from = v.Get(f.Name), "config key "+f.Name
		} else {
			return
		}
		s := settingString(val)
		if setErr := c.Flags().Set(f.Name, s); setErr != nil {
			err = usageErrorf("%s=%q: %v", from, s, setErr)
		}
	})
	return err
}

func settingString(val any) string {
	switch x := val.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = fmt.Sprint(p)
		}
		return strings.Join(parts, ",")
	default:
		return fmt.Sprint(x)
	}
}
