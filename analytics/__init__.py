"""What marketers ask: sentiment dynamics, share of voice, complaint terms, response KPIs."""
