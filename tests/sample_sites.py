"""Small real sites shared by tests."""

#: An advisor added at the town hall of Loué (72168), a commune beyond 20 minutes today.
LOUE = {
    "site_id": "new-loue",
    "name": "Mairie de Loué",
    "site_type": "town_hall",
    "code_insee": "72168",
    "lon": -0.153,
    "lat": 47.996,
    "n_advisors": 1,
}
