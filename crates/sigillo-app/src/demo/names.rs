//! Name pools for the demo registry: Italian family and given names, streets, companies, and the
//! foreign addresses of residents abroad. All invented combinations; any resemblance is statistical.

/// Family names, common ones first (the generator favours the head of the list).
pub const FAMILY_NAMES: &[&str] = &[
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
    "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti",
    "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone",
    "Longo", "Gentile", "Martinelli", "Vitale", "Lombardo", "Serra", "Coppola", "De Santis", "D'Angelo", "Marchetti",
    "Parisi", "Villa", "Conte", "Ferraro", "Ferri", "Fabbri", "Bianco", "Marini", "Grasso", "Valentini",
    "Messina", "Sala", "De Angelis", "Gatti", "Pellegrini", "Palumbo", "Sanna", "Farina", "Rizzi", "Monti",
    "Cattaneo", "Morelli", "Amato", "Silvestri", "Mazza", "Testa", "Grassi", "Pellegrino", "Carbone", "Giuliani",
    "Benedetti", "Barone", "Rossetti", "Caputo", "Montanari", "Guerra", "Palmieri", "Bernardi", "Martino", "Fiore",
    "De Rosa", "Ferretti", "Bellini", "Basile", "Riva", "Donati", "Piras", "Vitali", "Battaglia", "Sartori",
    "Neri", "Costantini", "Milani", "Pagano", "Ruggiero", "Sorrentino", "D'Amico", "Orlando", "Gallotti", "Negri",
    "Lo Russo", "La Rosa", "Di Stefano", "Di Pietro", "Di Marco", "Del Vecchio", "Dell'Acqua", "Dall'Olio", "Lo Presti", "Lo Bianco",
    "D'Agostino", "D'Alessandro", "D'Onofrio", "D'Urso", "De Simone", "De Marco", "De Vita", "Di Lorenzo", "Di Giacomo", "La Torre",
    "Li Causi", "Lo Iacono", "Dalla Costa", "Della Valle", "Dal Santo", "De Filippo", "De Benedictis", "Di Napoli", "Lo Giudice", "Li Vigni",
    "Cantù", "Cutrì", "Pirrò", "Mazzà", "Macrì", "Condò", "Lucà", "Scordò", "Alì", "Nicolò",
    "Zappalà", "Patanè", "Musumeci", "Licciardello", "Bonaccorsi", "Scuderi", "Pappalardo", "Privitera", "Spampinato", "Vasta",
    "Tedesco", "Ferrante", "Fumagalli", "Brambilla", "Colombi", "Mauri", "Crippa", "Galbiati", "Sironi", "Vilardi",
    "Zanetti", "Zanella", "Zanon", "Pavan", "Bortolin", "Dal Bello", "Marchi", "Bertolini", "Tonelli", "Baldini",
    "Pace", "Guidi", "Gualtieri", "Melis", "Pinna", "Deiana", "Murgia", "Porcu", "Cocco", "Fadda",
    "Mele", "Marras", "Loi", "Atzeni", "Usai", "Sechi", "Cossu", "Floris", "Carta", "Manca",
    "Esposti", "Iovine", "Capasso", "Cirillo", "Ianniello", "Iorio", "Napolitano", "Scognamiglio", "Sepe", "Vollaro",
    "Tramontano", "Avitabile", "Amoroso", "Aiello", "Albanese", "Alberti", "Angelini", "Antonelli", "Arena", "Armenio",
    "Bellomo", "Benetti", "Berardi", "Bianchini", "Bonetti", "Borghi", "Bosco", "Bruni", "Bucci", "Calabrese",
    "Caldarola", "Capuano", "Carli", "Carlucci", "Casadei", "Castelli", "Catalano", "Cavallo", "Ceccarelli", "Cerullo",
    "Chiesa", "Cocchi", "Colella", "Corsi", "Cristiani", "Cucinotta", "Curcio", "Dini", "Falco", "Fanelli",
    "Farinelli", "Felici", "Ferrero", "Fiorentino", "Forte", "Franchi", "Franco", "Fusco", "Gagliardi", "Galante",
    "Gallina", "Garofalo", "Gatto", "Gennari", "Giannini", "Giorgi", "Giovannini", "Grande", "Guarino", "Guidotti",
    "Iacobelli", "Improta", "Landi", "Lanza", "Leonardi", "Lentini", "Liguori", "Lupo", "Maggi", "Maiorano",
    "Malerba", "Mancuso", "Manzoni", "Marchese", "Marra", "Marrone", "Masiero", "Mastroianni", "Melchiorre", "Merlo",
    "Micheli", "Migliore", "Minervini", "Monaco", "Montagna", "Morabito", "Morra", "Mosca", "Nardi", "Nava",
    "Nicoletti", "Noto", "Oliva", "Orsini", "Paci", "Palma", "Paolini", "Pasquali", "Pastore", "Perrone",
    "Petrucci", "Piazza", "Piccolo", "Pini", "Poli", "Porcelli", "Postiglione", "Puglisi", "Quaranta", "Raimondi",
    "Ranieri", "Riccardi", "Romeo", "Rota", "Ruggeri", "Russi", "Sacco", "Salvi", "Santini", "Sardo",
    "Scala", "Schiavone", "Sebastiani", "Semeraro", "Sergi", "Simonetti", "Spina", "Stefanelli", "Tarantino", "Tosi",
    "Trevisan", "Tucci", "Turco", "Valente", "Vecchi", "Ventura", "Verdi", "Vianello", "Zambon", "Zito",
];

pub const MALE_GIVEN_NAMES: &[&str] = &[
    "Giuseppe", "Giovanni", "Antonio", "Mario", "Luigi", "Francesco", "Angelo", "Vincenzo", "Pietro", "Salvatore",
    "Carlo", "Franco", "Domenico", "Bruno", "Paolo", "Michele", "Giorgio", "Aldo", "Sergio", "Luciano",
    "Alessandro", "Andrea", "Marco", "Luca", "Matteo", "Lorenzo", "Davide", "Simone", "Stefano", "Roberto",
    "Massimo", "Fabio", "Daniele", "Riccardo", "Federico", "Gabriele", "Tommaso", "Leonardo", "Filippo", "Emanuele",
    "Nicolò", "Niccolò", "Mattia", "Edoardo", "Samuele", "Diego", "Christian", "Alberto", "Claudio", "Maurizio",
    "Enrico", "Giulio", "Raffaele", "Gianluca", "Gianni", "Giancarlo", "Gian Luca", "Gian Marco", "Pier Paolo", "Pierluigi",
    "Gian Piero", "Giampaolo", "Gianfranco", "Piergiorgio", "Umberto", "Vittorio", "Renato", "Renzo", "Rino", "Sandro",
    "Silvio", "Ugo", "Walter", "Valerio", "Alessio", "Alfredo", "Armando", "Arturo", "Attilio", "Benedetto",
    "Carmine", "Cesare", "Corrado", "Cosimo", "Cristiano", "Dario", "Elia", "Emilio", "Enzo", "Ettore",
    "Fausto", "Fernando", "Flavio", "Fulvio", "Gaetano", "Gennaro", "Gerardo", "Giacomo", "Gino", "Guido",
    "Ignazio", "Italo", "Jacopo", "Lino", "Loris", "Manuel", "Marcello", "Mariano", "Mauro", "Nazario",
    "Nicola", "Oreste", "Orazio", "Osvaldo", "Ottavio", "Pasquale", "Primo", "Rocco", "Rodolfo", "Romano",
    "Rosario", "Ruggero", "Santo", "Saverio", "Sebastiano", "Silvano", "Tiziano", "Tullio", "Valentino", "Vito",
    "Achille", "Adriano", "Agostino", "Alvaro", "Amedeo", "Angiolino", "Aurelio", "Bernardo", "Biagio", "Calogero",
    "Carmelo", "Ciro", "Damiano", "Dante", "Dino", "Egidio", "Elio", "Ernesto", "Ezio", "Fabrizio",
    "Felice", "Ferdinando", "Franco Maria", "Gabriel", "Gioele", "Giordano", "Graziano", "Ivan", "Ivano", "Leandro",
    "Leone", "Lucio", "Marcantonio", "Gian Maria", "Mirko", "Moreno", "Nando", "Natale", "Olindo", "Pio",
    "Raimondo", "Remo", "Rosolino", "Romolo", "Saul", "Settimio", "Severino", "Teodoro", "Tobia", "Tarcisio",
    "Ubaldo", "Vasco", "Virgilio", "Zeno", "Cristian", "Kevin", "Thomas", "Noah", "Brando", "Ludovico",
    "Giosuè", "Mosè", "Noè", "Fiorenzo", "Pier Luigi", "Pierfrancesco", "Gianmaria", "Giandomenico", "Pierangelo", "Vitantonio",
];

pub const FEMALE_GIVEN_NAMES: &[&str] = &[
    "Maria", "Anna", "Giuseppina", "Rosa", "Angela", "Giovanna", "Teresa", "Lucia", "Carmela", "Caterina",
    "Francesca", "Anna Maria", "Antonietta", "Carla", "Elena", "Concetta", "Rita", "Margherita", "Franca", "Paola",
    "Giulia", "Sofia", "Aurora", "Alice", "Ginevra", "Emma", "Giorgia", "Greta", "Beatrice", "Martina",
    "Chiara", "Sara", "Alessia", "Federica", "Valentina", "Silvia", "Laura", "Elisa", "Roberta", "Cristina",
    "Simona", "Monica", "Barbara", "Daniela", "Patrizia", "Manuela", "Stefania", "Claudia", "Tiziana", "Raffaella",
    "Maria Grazia", "Maria Luisa", "Maria Teresa", "Maria Rosaria", "Anna Rita", "Rosa Maria", "Maria Pia", "Maria Chiara", "Anna Lisa", "Maria Cristina",
    "Adele", "Agnese", "Alba", "Alessandra", "Amalia", "Annunziata", "Antonella", "Arianna", "Assunta", "Benedetta",
    "Bianca", "Bruna", "Camilla", "Carolina", "Cecilia", "Clara", "Cinzia", "Debora", "Delia", "Denise",
    "Diana", "Donatella", "Elisabetta", "Eleonora", "Elvira", "Emanuela", "Erika", "Ester", "Eugenia", "Fabiola",
    "Filomena", "Fiorella", "Flavia", "Gabriella", "Gemma", "Gianna", "Gilda", "Gina", "Gloria", "Graziella",
    "Ida", "Ilaria", "Immacolata", "Irene", "Iris", "Isabella", "Ivana", "Jessica", "Lara", "Letizia",
    "Licia", "Lidia", "Liliana", "Lina", "Loredana", "Lorena", "Lorenza", "Luana", "Luciana", "Lucrezia",
    "Luisa", "Marcella", "Marta", "Marina", "Marisa", "Matilde", "Melissa", "Michela", "Milena", "Mirella",
    "Nadia", "Natalia", "Nicoletta", "Noemi", "Norma", "Ornella", "Ottavia", "Pamela", "Pina", "Rachele",
    "Rebecca", "Renata", "Rosalba", "Rosanna", "Rosella", "Rossella", "Sabrina", "Samanta", "Sandra", "Serena",
    "Sonia", "Susanna", "Tamara", "Tecla", "Vanessa", "Vera", "Veronica", "Vincenza", "Viola", "Virginia",
    "Vittoria", "Wanda", "Ylenia", "Zaira", "Adelaide", "Addolorata", "Agata", "Assunta Maria", "Carmen", "Clelia",
    "Costanza", "Dalia", "Domenica", "Edvige", "Elda", "Elsa", "Enrica", "Fernanda", "Filippa", "Gaia",
    "Giada", "Gioia", "Ludovica", "Miriam", "Mia", "Nicole", "Nives", "Olga", "Pia", "Regina",
    "Rosaria", "Sveva", "Santina", "Zoe", "Zoè", "Lorella", "Desirée", "Nausicaa", "Penelope", "Asia",
];

/// Streets of the kind found in every Italian town.
pub const STREETS: &[&str] = &[
    "Via Roma", "Via Garibaldi", "Via Giuseppe Mazzini", "Via Cavour", "Corso Vittorio Emanuele II", "Via XX Settembre",
    "Via Dante Alighieri", "Via Giuseppe Verdi", "Via Marconi", "Piazza della Repubblica", "Via IV Novembre",
    "Via Trieste", "Via Trento", "Viale dei Mille", "Via Nazionale", "Corso Italia", "Via Matteotti", "Via Gramsci",
    "Via San Francesco", "Piazza del Popolo", "Via della Libertà", "Via Kennedy", "Via Leopardi", "Via Manzoni",
    "Via dei Tigli", "Via delle Rose", "Via Sant'Antonio", "Viale Europa", "Via Aldo Moro", "Via Papa Giovanni XXIII",
    "Via Galileo Galilei", "Via Colombo", "Via Pascoli", "Via Carducci", "Largo Augusto", "Vicolo Stretto",
    "Via dell'Industria", "Via del Lavoro", "Viale della Vittoria", "Via Don Minzoni", "Via Fratelli Rosselli",
    "Via Martiri della Libertà", "Via Vittorio Veneto", "Via Umberto I", "Corso Garibaldi", "Via Piave", "Via Isonzo",
    "Via Silvio Pellico", "Via Monte Grappa", "Via Santa Chiara", "Via Provinciale", "Via Pietro Nenni",
];

/// Family-name–based companies: `"{family} {sector} {form}"`.
pub const SECTORS: &[&str] = &[
    "Costruzioni", "Trasporti", "Impianti", "Meccanica", "Alimentari", "Servizi", "Tessile", "Arredamenti",
    "Informatica", "Logistica", "Edilizia", "Ceramiche", "Calzature", "Autotrasporti", "Pulizie", "Ristorazione",
    "Elettronica", "Serramenti", "Vini", "Commerciale", "Consulting", "Packaging", "Metalli", "Plastiche",
];

pub const LEGAL_FORMS: &[&str] = &["S.r.l.", "S.p.A.", "S.n.c.", "S.a.s.", "S.r.l.s.", "& C. S.n.c."];

/// Employers that are not named after a family.
pub const OTHER_EMPLOYERS: &[&str] = &[
    "Ministero dell'Istruzione", "Poste Italiane S.p.A.", "Ferrovie dello Stato S.p.A.", "Cooperativa Sociale Il Girasole",
    "Cooperativa Edile La Fenice", "Azienda Sanitaria Locale", "Consorzio Agrario Provinciale", "Banca Popolare del Centro",
    "Istituto Comprensivo Statale", "Società Cooperativa L'Arcobaleno", "Cantina Sociale dei Colli", "Università degli Studi",
];

/// A foreign country of residence: ISO alpha-2, a city, a province/state (may be empty),
/// postal codes and street addresses in the local style.
pub struct Abroad {
    pub country: &'static str,
    pub city: &'static str,
    pub region: &'static str,
    pub postal_codes: &'static [&'static str],
    pub streets: &'static [&'static str],
    /// Whether the house number goes before the street name.
    pub number_first: bool,
}

pub const ABROAD: &[Abroad] = &[
    Abroad { country: "DE", city: "München", region: "", postal_codes: &["80331", "80469", "81541"], streets: &["Leopoldstraße", "Schillerstraße", "Hauptstraße"], number_first: false },
    Abroad { country: "DE", city: "Stuttgart", region: "", postal_codes: &["70173", "70176"], streets: &["Königstraße", "Rotebühlstraße"], number_first: false },
    Abroad { country: "CH", city: "Zürich", region: "ZH", postal_codes: &["8001", "8004", "8050"], streets: &["Bahnhofstrasse", "Langstrasse"], number_first: false },
    Abroad { country: "CH", city: "Lugano", region: "TI", postal_codes: &["6900"], streets: &["Via Nassa", "Corso Elvezia"], number_first: false },
    Abroad { country: "FR", city: "Paris", region: "", postal_codes: &["75002", "75011", "75015"], streets: &["rue de la Roquette", "avenue Parmentier", "rue de Rivoli"], number_first: true },
    Abroad { country: "FR", city: "Lyon", region: "", postal_codes: &["69002", "69007"], streets: &["rue Mercière", "cours Gambetta"], number_first: true },
    Abroad { country: "BE", city: "Bruxelles", region: "", postal_codes: &["1000", "1050"], streets: &["Rue Neuve", "Avenue Louise"], number_first: false },
    Abroad { country: "GB", city: "London", region: "", postal_codes: &["EC1V 9HX", "N1 7GU", "SW9 8BJ"], streets: &["Upper Street", "Brixton Road", "Old Street"], number_first: true },
    Abroad { country: "ES", city: "Madrid", region: "", postal_codes: &["28013", "28004"], streets: &["Calle Mayor", "Calle de Fuencarral"], number_first: false },
    Abroad { country: "NL", city: "Amsterdam", region: "", postal_codes: &["1015 CJ", "1072 AB"], streets: &["Prinsengracht", "Ferdinand Bolstraat"], number_first: false },
    Abroad { country: "US", city: "New York", region: "NY", postal_codes: &["10013", "11211"], streets: &["Mulberry Street", "Bedford Avenue"], number_first: true },
    Abroad { country: "CA", city: "Toronto", region: "ON", postal_codes: &["M6G 1A1", "M5T 2C7"], streets: &["College Street", "St Clair Avenue West"], number_first: true },
    Abroad { country: "AR", city: "Buenos Aires", region: "", postal_codes: &["C1043AAB", "C1414"], streets: &["Avenida Corrientes", "Calle Florida"], number_first: false },
    Abroad { country: "BR", city: "São Paulo", region: "SP", postal_codes: &["01304-000", "01310-100"], streets: &["Rua Augusta", "Avenida Paulista"], number_first: false },
    Abroad { country: "AU", city: "Melbourne", region: "VIC", postal_codes: &["3053", "3000"], streets: &["Lygon Street", "Swanston Street"], number_first: true },
    Abroad { country: "IE", city: "Dublin", region: "", postal_codes: &["D02 X285", "D01 F5P2"], streets: &["Grafton Street", "Parnell Street"], number_first: true },
    // No postal codes in the Emirates: the column stays empty.
    Abroad { country: "AE", city: "Dubai", region: "", postal_codes: &[""], streets: &["Sheikh Zayed Road", "Al Wasl Road"], number_first: false },
];

/// Countries of birth most common among the insured born abroad (Belfiore Z codes), most common first.
/// Codes not known to the place table, or not valid at a birth date, are skipped.
pub const COMMON_BIRTH_COUNTRIES: &[&str] = &[
    "Z129", // Romania
    "Z100", // Albania
    "Z330", // Marocco
    "Z112", // Germania
    "Z133", // Svizzera
    "Z600", // Argentina
    "Z110", // Francia
    "Z138", // Ucraina
    "Z210", // Cina
    "Z216", // Filippine
    "Z602", // Brasile
    "Z103", // Belgio
    "Z222", // India
    "Z140", // Moldova
    "Z352", // Tunisia
    "Z611", // Perù
    "Z605", // Ecuador
    "Z614", // Venezuela
    "Z404", // Stati Uniti
    "Z114", // Regno Unito
    "Z127", // Polonia
    "Z343", // Senegal
    "Z336", // Egitto
    "Z249", // Bangladesh
];

/// The biggest cities, by Belfiore code: a share of births and residences goes here, as in life.
pub const BIG_CITIES: &[&str] = &[
    "H501", // Roma
    "F205", // Milano
    "F839", // Napoli
    "L219", // Torino
    "G273", // Palermo
    "D969", // Genova
    "A944", // Bologna
    "D612", // Firenze
    "A662", // Bari
    "C351", // Catania
    "L736", // Venezia
    "L781", // Verona
    "F158", // Messina
    "G224", // Padova
    "L424", // Trieste
    "L049", // Taranto
    "B157", // Brescia
    "G999", // Prato
    "G337", // Parma
    "F257", // Modena
    "H224", // Reggio Calabria
    "H223", // Reggio Emilia
    "G478", // Perugia
    "E625", // Livorno
    "B354", // Cagliari
];

/// First two digits of the postal codes of each province (CAP), for real-looking codes.
pub const CAP_PREFIXES: &[(&str, &str)] = &[
    ("AG", "92"), ("AL", "15"), ("AN", "60"), ("AO", "11"), ("AP", "63"), ("AQ", "67"), ("AR", "52"), ("AT", "14"),
    ("AV", "83"), ("BA", "70"), ("BG", "24"), ("BI", "13"), ("BL", "32"), ("BN", "82"), ("BO", "40"), ("BR", "72"),
    ("BS", "25"), ("BT", "76"), ("BZ", "39"), ("CA", "09"), ("CB", "86"), ("CE", "81"), ("CH", "66"), ("CL", "93"),
    ("CN", "12"), ("CO", "22"), ("CR", "26"), ("CS", "87"), ("CT", "95"), ("CZ", "88"), ("EN", "94"), ("FC", "47"),
    ("FE", "44"), ("FG", "71"), ("FI", "50"), ("FM", "63"), ("FR", "03"), ("GE", "16"), ("GO", "34"), ("GR", "58"),
    ("IM", "18"), ("IS", "86"), ("KR", "88"), ("LC", "23"), ("LE", "73"), ("LI", "57"), ("LO", "26"), ("LT", "04"),
    ("LU", "55"), ("MB", "20"), ("MC", "62"), ("ME", "98"), ("MI", "20"), ("MN", "46"), ("MO", "41"), ("MS", "54"),
    ("MT", "75"), ("NA", "80"), ("NO", "28"), ("NU", "08"), ("OR", "09"), ("PA", "90"), ("PC", "29"), ("PD", "35"),
    ("PE", "65"), ("PG", "06"), ("PI", "56"), ("PN", "33"), ("PO", "59"), ("PR", "43"), ("PT", "51"), ("PU", "61"),
    ("PV", "27"), ("PZ", "85"), ("RA", "48"), ("RC", "89"), ("RE", "42"), ("RG", "97"), ("RI", "02"), ("RM", "00"),
    ("RN", "47"), ("RO", "45"), ("SA", "84"), ("SI", "53"), ("SO", "23"), ("SP", "19"), ("SR", "96"), ("SS", "07"),
    ("SU", "09"), ("SV", "17"), ("TA", "74"), ("TE", "64"), ("TN", "38"), ("TO", "10"), ("TP", "91"), ("TR", "05"),
    ("TS", "34"), ("TV", "31"), ("UD", "33"), ("VA", "21"), ("VB", "28"), ("VC", "13"), ("VE", "30"), ("VI", "36"),
    ("VR", "37"), ("VT", "01"), ("VV", "89"),
];

/// Italian mobile prefixes (after +39).
pub const MOBILE_PREFIXES: &[&str] = &[
    "320", "324", "327", "328", "329", "330", "331", "333", "334", "335", "336", "337", "338", "339", "340", "342",
    "345", "346", "347", "348", "349", "350", "351", "366", "368", "370", "371", "377", "380", "388", "389", "391",
    "392", "393",
];

/// Demo e-mail domains: reserved or example names only, never a real provider.
pub const EMAIL_DOMAINS: &[&str] = &["example.it", "example.org", "example.com", "example.net", "posta.example.it", "mail.example.org"];
