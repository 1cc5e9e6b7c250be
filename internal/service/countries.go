package service

import (
	"context"
	"strings"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/models"
)

// countries is the seeded country list, loaded once: it changes only with a migration.
type countries struct {
	list   []models.Country
	byCode map[string]*models.Country
}

func loadCountries(ctx context.Context, s *Service) (countries, error) {
	var cs countries
	conn := s.db.Conn(ctx)
	if err := conn.Order("code").Find(&cs.list).Error; err != nil {
		return cs, dbErr(err, "", "")
	}
	var regions []models.Region
	if err := conn.Order("country_code, name").Find(&regions).Error; err != nil {
		return cs, dbErr(err, "", "")
	}
	cs.byCode = make(map[string]*models.Country, len(cs.list))
	for i := range cs.list {
		cs.list[i].Regions = []models.Region{}
		cs.byCode[cs.list[i].Code] = &cs.list[i]
	}
	for _, r := range regions {
		if c := cs.byCode[r.CountryCode]; c != nil {
			c.Regions = append(c.Regions, r)
		}
	}
	return cs, nil
}

// region returns the region of country c whose code is code (case-insensitively).
func (cs countries) region(c *models.Country, code string) (models.Region, bool) {
	for _, r := range c.Regions {
		if strings.EqualFold(r.Code, code) {
			return r, true
		}
	}
	return models.Region{}, false
}

// Countries lists every country with its regions. Anyone may call it.
func (s *Service) Countries(_ context.Context, _ auth.Principal) []models.Country {
	return s.countries.list
}

// Country returns one country by its ISO 3166-1 alpha-2 code.
func (s *Service) Country(_ context.Context, _ auth.Principal, code string) (models.Country, error) {
	c := s.countries.byCode[strings.ToUpper(strings.TrimSpace(code))]
	if c == nil {
		return models.Country{}, apperr.NotFoundf("Country")
	}
	return *c, nil
}
