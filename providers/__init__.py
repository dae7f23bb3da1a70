"""Provider organisations, their children's homes (Ofsted URN), registration, vacancies and federations."""
