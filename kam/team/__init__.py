"""The team behind the accounts: star ratings, commission, contests, skills and the playbook."""
