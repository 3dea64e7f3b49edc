"""Registration of PMI purna and keluarga PMI: NIK-validated, de-duplicated, consented; bulk
intake from spreadsheets."""
