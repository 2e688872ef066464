//! Words of the OpenID Connect pages: consent, upgrade needed, back to the service, logout.

/// (key, Italian, English).
pub static TEXTS: &[(&str, &str, &str)] = &[
    (
        "login_fresh",
        "Il servizio da cui arriva chiede di inserire di nuovo il PIN, per sicurezza o perché serve un livello più alto.",
        "The service you come from asks you to type your PIN again, for safety or because it needs a higher level.",
    ),
    ("oidc_consent_title", "Autorizza l'accesso", "Allow access"),
    (
        "oidc_consent_intro",
        "Il servizio indicato qui sotto chiede di usare il Suo PIN per farLa accedere. Se acconsente, riceverà:",
        "The service named below asks to log you in with your PIN. If you agree, it will receive:",
    ),
    ("oidc_service", "Servizio", "Service"),
    (
        "oidc_consent_remember",
        "La scelta viene ricordata per questo servizio: non Le sarà chiesta di nuovo finché il servizio non chiede altri dati.",
        "Your choice is remembered for this service: you will not be asked again unless it asks for more data.",
    ),
    ("oidc_allow", "Acconsento e accedo", "Agree and log in"),
    ("oidc_deny", "Non acconsento", "Do not agree"),
    ("oidc_upgrade_title", "Serve un PIN dispositivo", "A PIN dispositivo is needed"),
    (
        "oidc_upgrade_intro",
        "Il servizio che sta usando richiede un PIN dispositivo, che permette di presentare domande e richiedere prestazioni. Il Suo PIN è ordinario: consente solo di consultare i propri dati.",
        "The service you are using requires a PIN dispositivo, which lets you submit applications and claim benefits. Your PIN is ordinario: it only lets you look at your own data.",
    ),
    ("oidc_upgrade_how", "Come ottenere il PIN dispositivo", "How to get a PIN dispositivo"),
    (
        "oidc_upgrade_online",
        "Online: carichi il modulo firmato e il Suo documento d'identità nella pagina Converti PIN; dopo la verifica il PIN diventa dispositivo.",
        "Online: upload the signed form and your identity document on the Converti PIN page; after the check your PIN becomes dispositivo.",
    ),
    (
        "oidc_upgrade_desk",
        "In sede: presenti un documento d'identità a uno sportello dell'Istituto e riceverà subito un PIN dispositivo.",
        "At an office: show an identity document at one of the institute's desks and you receive a PIN dispositivo at once.",
    ),
    ("oidc_upgrade_go", "Vai a Converti PIN", "Go to Converti PIN"),
    ("oidc_back_to_service", "Torna al servizio", "Back to the service"),
    ("oidc_continue_title", "Ritorno al servizio", "Back to the service"),
    (
        "oidc_continue_intro",
        "Stiamo tornando al servizio da cui è partito. Se la pagina non cambia da sola, usi il pulsante.",
        "We are taking you back to the service you came from. If the page does not change by itself, use the button.",
    ),
    ("oidc_continue", "Continua", "Continue"),
    ("oidc_refused_title", "Richiesta di accesso non valida", "Invalid login request"),
    (
        "oidc_refused_next",
        "Torni al sito del servizio e riprovi da lì. Se il problema continua, lo segnali al servizio stesso.",
        "Go back to the service's site and try again from there. If the problem continues, tell the service.",
    ),
    ("oidc_logout_title", "Vuole uscire?", "Do you want to log out?"),
    (
        "oidc_logout_intro",
        "Uscendo chiude l'accesso con il PIN su questo dispositivo e sui servizi a cui ha acceduto con esso.",
        "Logging out ends your PIN login on this device and on the services you logged in to with it.",
    ),
    ("oidc_logout_button", "Esci", "Log out"),
    ("oidc_logged_out_title", "È uscito", "You have logged out"),
    (
        "oidc_logged_out",
        "L'accesso con il PIN è chiuso. Per sicurezza chiuda anche il browser se il computer è condiviso.",
        "Your PIN login has ended. For safety, also close the browser if the computer is shared.",
    ),
];
