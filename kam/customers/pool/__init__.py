"""The public pool (公海): customers whose owner logged no activity with them for a rule's number of
days return to it after a warning; key customers only with a manager's approval; reps claim from it
within a limit; a duplicate check (name, pinyin of the name, credit code) on create and on claim."""
